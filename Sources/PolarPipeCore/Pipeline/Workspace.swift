import Crypto
import Foundation

/// The folders of a polarpipe workspace:
///
/// ```
/// <workspace>/inbox/<user-key>/…            files to ingest
/// <workspace>/staging/<run-id>/claimed/…    files claimed by a run
/// <workspace>/staging/<run-id>/sessions/…   their decoded, normalised form
/// <workspace>/quarantine/<user-key>/…       refused files + <file>.reason.json
/// <workspace>/processed/YYYY/MM/<user-key>/ archived files
/// <workspace>/reports/                      dashboards and summaries
/// <workspace>/polarpipe.sqlite              the embedded database
/// ```
public struct Workspace: Sendable, Equatable {
    public let root: URL

    public init(_ root: URL) { self.root = root.standardizedFileURL }
    public init(path: String) { self.init(URL(fileURLWithPath: path, isDirectory: true)) }

    public var inbox: URL { root.appendingPathComponent("inbox", isDirectory: true) }
    public var quarantine: URL { root.appendingPathComponent("quarantine", isDirectory: true) }
    public var processed: URL { root.appendingPathComponent("processed", isDirectory: true) }
    public var reports: URL { root.appendingPathComponent("reports", isDirectory: true) }
    public var stagingRoot: URL { root.appendingPathComponent("staging", isDirectory: true) }
    public var databaseFile: URL { root.appendingPathComponent("polarpipe.sqlite") }
    public var configurationFile: URL { root.appendingPathComponent("polarpipe.toml") }

    /// `staging/<run-id>/`: the run's folder, always a direct child of `staging/` (run ids are checked by `RunID`;
    /// an id with characters a file name cannot carry gets a suffix from its hash, so two ids never share a folder).
    public func staging(_ runID: String) -> URL {
        let name = Workspace.safeName(runID)
        let folder = name == runID ? name : name + "-" + String(Hex.string(SHA256.hash(data: Data(runID.utf8))).prefix(8))
        return stagingRoot.appendingPathComponent(folder, isDirectory: true)
    }

    /// Where a run keeps the files it claimed, each under the id of its ledger row.
    public func claimed(_ runID: String) -> URL { staging(runID).appendingPathComponent("claimed", isDirectory: true) }

    /// The claimed file of ledger row `id`: `staging/<run-id>/claimed/<id>` (plus the original's extension when it
    /// is a plain one, so a `.zip` stays recognisable). Never derived from the file's name beyond that.
    public func claimedFile(_ runID: String, id: Int64, originalPath: String) -> URL {
        let ext = (originalPath as NSString).pathExtension.lowercased()
        let plain = !ext.isEmpty && ext.count <= 8 && ext.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return claimed(runID).appendingPathComponent(plain ? "\(id).\(ext)" : "\(id)")
    }

    /// Where a run keeps decoded sessions.
    public func sessions(_ runID: String) -> URL { staging(runID).appendingPathComponent("sessions", isDirectory: true) }

    /// Whether `url` lies strictly inside `parent` (after `.` and `..` are resolved): checked before anything built
    /// from outside input is moved or deleted.
    public static func contains(_ parent: URL, _ url: URL) -> Bool {
        let base = parent.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) && path.count > prefix.count
    }

    /// Creates the workspace and its inbox. Output folders (staging, quarantine, processed, reports) are created
    /// by the tasks that write them.
    public func create() throws {
        for url in [root, inbox] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
    }

    /// `path` relative to the workspace root.
    public func relative(_ url: URL) -> String {
        let base = root.path.hasSuffix("/") ? root.path : root.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    public func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// A name usable as one path component (run ids from Airflow contain `:` and `+`).
    public static func safeName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}

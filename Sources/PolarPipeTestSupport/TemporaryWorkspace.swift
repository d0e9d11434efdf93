import Foundation
import Logging
import PolarPipeCore

/// A workspace in a fresh temporary folder, removed by `remove()`.
public struct TemporaryWorkspace: Sendable {
    public let workspace: Workspace

    public init(_ name: String = "polarpipe-test") throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        workspace = Workspace(url)
        try workspace.create()
    }

    public func remove() { try? FileManager.default.removeItem(at: workspace.root) }

    /// Writes `text` to `inbox/<relativePath>`.
    @discardableResult
    public func drop(_ text: String, at relativePath: String) throws -> URL {
        try drop(Data(text.utf8), at: relativePath)
    }

    @discardableResult
    public func drop(_ data: Data, at relativePath: String) throws -> URL {
        let url = workspace.inbox.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }

    /// Every regular file under `folder` (relative to the workspace), sorted.
    public func files(under folder: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var result: [String] = []
        for case let url as URL in e {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(workspace.relative(url))
            }
        }
        return result.sorted()
    }

    /// A daily schedule twelve hours from now, for a service a test starts: the default `0 2 * * *` fires when a
    /// test suite happens to run across 02:00 UTC, and that run then competes with the test's own.
    public static var scheduleThatCannotFireDuringATest: String {
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour ?? 0
        return "0 \((hour + 12) % 24) * * *"
    }

    /// Writes `schedule.cron` (see `scheduleThatCannotFireDuringATest`) to the workspace's `polarpipe.toml`.
    public func keepTheScheduleAway() throws {
        try Data("[schedule]\ncron = \"\(Self.scheduleThatCannotFireDuringATest)\"\n".utf8).write(to: workspace.configurationFile)
    }

    public static let quietLogger: Logger = {
        var logger = Logger(label: "polarpipe-test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }()
}

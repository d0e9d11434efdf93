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

    public static let quietLogger: Logger = {
        var logger = Logger(label: "polarpipe-test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }()
}

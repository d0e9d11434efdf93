import Foundation
import PolarPipeCore

/// A failure at run time — the workspace, the database, the port — as opposed to a bad flag (`ValidationError`).
/// `PolarPipe.main` prints it as one line, `polarpipe: <message>`, without the usage text, and exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }

    static func noWorkspace(_ ws: Workspace) -> CLIError {
        CLIError("no workspace at \(ws.root.path); pass --workspace DIR, or put training files in "
                 + "\(ws.inbox.path)/<user-key>/ and run `polarpipe run`")
    }

    static func noDatabase(_ ws: Workspace) -> CLIError {
        CLIError("the workspace \(ws.root.path) has no database yet; put training files in \(ws.inbox.path)/<user-key>/ "
                 + "and run `polarpipe run`")
    }

    static func readOnly(_ ws: Workspace) -> CLIError {
        CLIError("the workspace \(ws.root.path) is read-only; make it writable or pass another --workspace")
    }

    /// Any error as one sentence. Errors of polarpipe's modules already are; system errors are named here.
    init(_ error: any Error) {
        switch error {
        case let error as CLIError: self = error
        case let error as ConfigurationError: self.init(error.message)
        case let error as CocoaError: self.init(Self.sentence(error))
        default:
            let text = String(describing: error)
            self.init(text.split(whereSeparator: \.isNewline).joined(separator: "; "))
        }
    }

    /// A Foundation file error as "cannot write <path>: permission denied" and the like.
    static func sentence(_ error: CocoaError) -> String {
        let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.filePath
        let what = path.map { " \($0)" } ?? ""
        switch error.code {
        case .fileWriteNoPermission: return "cannot write\(what): permission denied (the folder is read-only)"
        case .fileWriteVolumeReadOnly: return "cannot write\(what): the file system is read-only"
        case .fileWriteOutOfSpace: return "cannot write\(what): the disk is full"
        case .fileReadNoPermission: return "cannot read\(what): permission denied"
        case .fileReadNoSuchFile, .fileNoSuchFile: return "\(path ?? "the file") does not exist"
        default: return "file error\(what) (\(error.code.rawValue))"
        }
    }
}

import Foundation
import PolarPipeCore
import PolarPipePostgres

/// Where `--database`, `--read-database` or `database.url` points.
///
/// No value is the workspace's SQLite file; `postgres://` and `postgresql://` select PostgreSQL; `sqlite://PATH`,
/// `sqlite:PATH` and a plain path name a SQLite file. Any other `scheme:` is refused, so a mistyped or unsupported
/// URL (`mysql://…`) never becomes a file named after its scheme.
enum DatabaseLocation: Equatable {
    /// `<workspace>/polarpipe.sqlite`.
    case workspaceFile(path: String)
    /// A SQLite file named by the user; its folder must exist.
    case sqliteFile(path: String)
    case postgres(url: String)

    init(_ text: String?, workspace: Workspace) throws(CLIError) {
        guard let text else {
            self = .workspaceFile(path: workspace.databaseFile.path)
            return
        }
        if PostgresConnectionURL.isPostgres(text) {
            self = .postgres(url: text)
            return
        }
        var path = text
        if let scheme = Self.scheme(of: text) {
            guard scheme.lowercased() == "sqlite" else {
                throw CLIError("unknown database URL scheme '\(scheme):'; use a SQLite file path, sqlite:PATH or postgres://…")
            }
            path = String(text.dropFirst(scheme.count + 1))
            if path.hasPrefix("//") { path.removeFirst(2) }
        }
        guard !path.isEmpty else { throw CLIError("the database URL '\(text)' names no file") }
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("the folder \(folder) of the database file \(url.path) does not exist; create it first")
        }
        self = .sqliteFile(path: url.standardizedFileURL.path)
    }

    /// The scheme of `scheme:rest` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`), or nil for a path.
    static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        return String(scheme)
    }

    /// The SQLite file, or nil for PostgreSQL.
    var sqlitePath: String? {
        switch self {
        case .workspaceFile(let path), .sqliteFile(let path): path
        case .postgres: nil
        }
    }
}

import GRDB

/// Why the SQLite database could not be opened, as a sentence naming the file (SQLite's own message names none).
public struct SQLiteOpenError: Error, CustomStringConvertible {
    public let path: String
    public let description: String

    init(path: String, _ error: DatabaseError) {
        self.path = path
        switch error.resultCode {
        case .SQLITE_READONLY: description = "the database \(path) is read-only; make it and its folder writable"
        case .SQLITE_CANTOPEN: description = "cannot open the database \(path): its folder is missing or not writable"
        case .SQLITE_PERM, .SQLITE_AUTH: description = "permission denied opening the database \(path)"
        case .SQLITE_NOTADB: description = "\(path) is not a SQLite database"
        case .SQLITE_CORRUPT: description = "the database \(path) is damaged (\(error.message ?? "malformed"))"
        case .SQLITE_BUSY, .SQLITE_LOCKED: description = "the database \(path) is locked by another process; try again"
        case .SQLITE_FULL: description = "the disk holding the database \(path) is full"
        default: description = "cannot open the database \(path): \(error.message ?? "SQLite error \(error.resultCode.rawValue)")"
        }
    }
}

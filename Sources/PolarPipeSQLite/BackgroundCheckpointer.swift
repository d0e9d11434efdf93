import Dispatch
import Foundation
import GRDB
import GRDBSQLite

/// Copies committed WAL pages into the database file on a second connection while the store's writer goes on.
///
/// SQLite's automatic checkpoint runs inside the committing writer: every 4 MB of WAL the bulk loads stopped to copy
/// pages and wait for `fsync`. Here the writer's WAL hook (`watch`) replaces it: after a commit that leaves at least
/// `nudgeBytes` in the WAL it asks (`nudge`) for a passive checkpoint, which runs on this object's own serial
/// queue, on another core, and never blocks the writer or readers. When a checkpoint has copied the whole WAL, the
/// writer's next transaction starts the WAL over, so it stays small. Small commits (a file's row, a task's state)
/// ask for nothing until they add up: a checkpoint after each of them cost an `fdatasync` per file. Should the
/// background checkpoints fall behind, the hook checkpoints in the writer itself at `writerBytes` (256 MB), as
/// SQLite's own automatic checkpoint would.
///
/// The queue is the one piece of unstructured concurrency in the store: the work is fire-and-forget I/O that must
/// not hold up the caller, and `drain()` waits for it (the run's end does so before its final checkpoint). A
/// checkpoint interrupted by a crash is harmless: the WAL stays valid and the next checkpoint redoes it.
final class BackgroundCheckpointer: @unchecked Sendable {
    private let path: String
    private let work = DispatchQueue(label: "polarpipe.sqlite.checkpoint", qos: .utility)
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var scheduled = false
    /// Used on `work` only.
    private var connection: DatabaseQueue?

    init(path: String) {
        self.path = path
    }

    /// WAL size from which a commit asks for a background checkpoint (4 MB, SQLite's default automatic checkpoint
    /// with 4 KiB pages).
    static let nudgeBytes = 4 << 20
    /// WAL size at which the committing writer checkpoints itself (256 MB).
    static let writerBytes = 256 << 20
    /// The thresholds in pages of the database's page size; set by `watch` before any commit.
    private var nudgePages = Int32.max
    private var writerPages = Int32.max

    /// Installs the WAL hook on the writer's connection (this replaces SQLite's automatic checkpoint).
    func watch(_ connection: OpaquePointer?, pageSize: Int) {
        nudgePages = Int32(Self.nudgeBytes / max(pageSize, 512))
        writerPages = Int32(Self.writerBytes / max(pageSize, 512))
        let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, db, name, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if pages >= checkpointer.writerPages {
                sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= checkpointer.nudgePages {
                checkpointer.nudge()
            }
            return SQLITE_OK
        }
        sqlite3_wal_hook(connection, hook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Schedules one passive checkpoint unless one is already waiting to run.
    func nudge() {
        lock.lock()
        defer { lock.unlock() }
        guard !scheduled else { return }
        scheduled = true
        work.async { [self] in
            lock.lock()
            scheduled = false
            lock.unlock()
            // A failed background checkpoint loses nothing: the pages stay in the WAL for the next one.
            try? checkpoint()
        }
    }

    /// Waits until the scheduled checkpoints have run.
    func drain() {
        work.sync {}
    }

    private func checkpoint() throws {
        if connection == nil {
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            connection = try DatabaseQueue(path: path, configuration: config)
        }
        try connection?.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }
}

import Dispatch
import Foundation
import GRDB

/// Copies committed WAL pages into the database file on a second connection while the store's writer goes on.
///
/// SQLite's automatic checkpoint runs inside the committing writer: every 4 MB of WAL the bulk loads stopped to copy
/// pages and wait for `fsync`. Here the writer only asks (`nudge`) after each bulk write; a passive checkpoint then
/// runs on this object's own serial queue, on another core, and never blocks the writer or readers. When a
/// checkpoint has copied the whole WAL, the writer's next transaction starts the WAL over, so it stays small.
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

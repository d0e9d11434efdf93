import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// Fencing per write in a running task: the lease of a task that is working is taken over by a second owner of the
/// same database (as after its lease expired during a long pause); the task's next write is refused, it ends failed
/// with the fencing error instead of crashing, the database keeps what it had at the takeover, and a later
/// `polarpipe run` process finishes the run with every file loaded once.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FencedRunTests {
    /// The ledger, the run bookkeeping and what a user could check.
    static func everything(_ store: SQLiteStore) async throws -> [String] {
        try await DatabaseSnapshot.of(store) + store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT printf('%d %s %d %s %s', id, state, attempts, path, COALESCE(staged_path, '-')) FROM ingested_files ORDER BY id")
                + String.fetchAll(db, sql: "SELECT printf('%s %s %d %d %s %s', run_id, task_id, map_index, try_number, state, COALESCE(error, '-')) FROM task_instances ORDER BY rowid")
                + String.fetchAll(db, sql: "SELECT printf('%s %s %s', run_id, state, COALESCE(ended_at, '-')) FROM pipeline_runs ORDER BY run_id")
                + String.fetchAll(db, sql: "SELECT printf('%d %d', COUNT(*), COALESCE(SUM(id), 0)) FROM exercises")
        }
    }

    @Test func aTaskWhoseLeaseIsTakenOverEndsFailedWritesNothingMoreAndTheNextHolderFinishesTheRun() async throws {
        let tmp = try TemporaryWorkspace("fenced-task")
        defer { tmp.remove() }
        _ = try SyntheticData(users: 2, sessionsPerUser: 40, seed: 86, durationSeconds: 900).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store)
        let task = Task { try await runner.runTask("validate_json_files", runID: "fenced-1") }

        // A second owner on its own connection takes the lease over once the task has recorded a few files, as any
        // process may when a lease has expired (here: judged at a time past its expiry).
        let second = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        var recorded = 0
        for _ in 0 ..< 6000 where recorded < 6 {
            try await Task.sleep(nanoseconds: 2_000_000)
            recorded = try await second.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE state = 'validated'") ?? 0 }
        }
        let other = LeaseOwner(pid: 1, host: "elsewhere")
        #expect(try await second.acquireLease(runID: "fenced-1", owner: other, now: Clock.nowMillis() + 86_400_000, ttlMillis: 60_000,
                                              isStale: { _ in false }) == nil)
        let atTakeover = try await Self.everything(second)

        let outcome = try await task.value
        guard case .failed(let error, let willRetry) = outcome else {
            Issue.record("the task went on after its lease was taken over: \(outcome)")
            return
        }
        #expect(error.hasPrefix("fenced: the run lease passed to run fenced-1 (process 1 on elsewhere"), "\(error)")
        #expect(!willRetry)
        #expect(try await Self.everything(second) == atTakeover)
        let files = try await second.files(runID: "fenced-1")
        #expect(!files.isEmpty && files.count < 80, "\(files.count) files recorded before the takeover")

        // The second owner goes away too; the next `polarpipe run` finishes fenced-1 from its ledger, then its own.
        try await second.releaseLease(runID: "fenced-1")
        let next = try PolarPipeExecutable.run(["run", "--workspace", tmp.workspace.root.path, "--retries", "0"])
        #expect(next.status == 0, "\(next.output)")
        #expect(try await second.run("fenced-1")?.state == .success)
        let exercises = try await second.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") ?? 0 }
        #expect(exercises == 80)
        let states = try await second.queue.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT state FROM ingested_files") }
        #expect(states == ["archived"])
        #expect(try await LedgerTests.openRuns(second) == 0)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty && tmp.files(under: tmp.workspace.inbox).isEmpty)
    }
}

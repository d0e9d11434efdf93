import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// A file that kills `polarpipe run` whenever `calculate_exercise_statistics` works on it, played by the test: a
/// watcher reads the real database of the real process and sends SIGKILL at the moment the file is being worked on
/// (its shard's instance running; later, its ledger row counted in flight). No hook in polarpipe. The file is found
/// and quarantined; the rest of its shard and of the run load, and the next run loads new files.
@Suite(.serialized, .timeLimit(.minutes(10))) struct MappedPoisonPillTests {
    static let environment = ["POLARPIPE_BATCH_SHARD_FILES": "2", "POLARPIPE_INBOX_SETTLE_SECONDS": "0"]

    /// Starts `polarpipe run` and kills it once `poisoned` says so (polled every 2 ms on the run's own database);
    /// returns whether it was killed before it ended.
    static func runKilled(_ tmp: TemporaryWorkspace, environment: [String: String] = environment,
                          when poisoned: @escaping (Database) throws -> Bool) async throws -> Bool {
        let process = Process()
        process.executableURL = PolarPipeExecutable.url
        process.arguments = ["run", "--workspace", tmp.workspace.root.path, "--retries", "0", "--quiet"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POLARPIPE_") }.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read-only, so that the watcher never takes part in creating the schema the run is writing; on a thread of
        // its own, so that a busy test process cannot make it miss the moment.
        let handed = HandedOver(poisoned), pid = process.processIdentifier
        let stagingRoot = tmp.workspace.stagingRoot.path, databasePath = tmp.workspace.databaseFile.path
        let killed = await OwnThread.run {
            let poisoned = handed.value
            var readOnly = Configuration()
            readOnly.readonly = true
            readOnly.busyMode = .timeout(1)
            var watcher: DatabaseQueue?
            while isAlive(pid: pid) {
                if watcher == nil, FileManager.default.fileExists(atPath: stagingRoot) {
                    watcher = try? DatabaseQueue(path: databasePath, configuration: readOnly)
                }
                if let watcher, (try? watcher.read(poisoned)) == true {
                    kill(pid, SIGKILL)
                    return true
                }
                usleep(2_000)
            }
            return false
        }
        process.waitUntilExit()
        return killed
    }

    @Test func aFileThatKillsTheStatisticsTaskIsQuarantinedAndTheRestOfItsShardAndRunLoad() async throws {
        let tmp = try TemporaryWorkspace("poison-mapped")
        defer { tmp.remove() }
        for (i, session) in LedgerTests.sessions(5, seed: 83).enumerated() {
            try tmp.drop(session.1, at: "ann/s\(i).json")
        }
        // The poison: a long session, so that working on it takes a while the watcher can see (a day of 1 Hz samples:
        // long enough for a watcher slowed down by a loaded machine).
        let (heavy, _) = SyntheticData(users: 1, sessionsPerUser: 1, seed: 84, durationSeconds: 24 * 3600).makeSession(user: 0, index: 0)
        try tmp.drop(Data(heavy), at: "zed/heavy.json")
        let row = "SELECT id, shard, attempts FROM ingested_files WHERE original_path = 'zed/heavy.json'"

        // First death: while its shard's statistics instance works on the whole shard.
        let first = try await Self.runKilled(tmp) { db in
            guard let shard = try Row.fetchOne(db, sql: row)?["shard"] as Int? else { return false }
            return try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM task_instances WHERE task_id = 'calculate_exercise_statistics' AND map_index = ? AND state = 'running'
                """, arguments: [shard]) == 1
        }
        #expect(first, "the first run ended before its statistics reached the poisoned file")
        // Second death: the instance now works on one file at a time; it dies when that file is in flight.
        let second = try await Self.runKilled(tmp) { db in try Row.fetchOne(db, sql: row)?["attempts"] as Int? == 1 }
        #expect(second, "the recovering run ended without working on the poisoned file alone")

        // The next run finishes the interrupted run without the file, then loads a new one.
        try tmp.drop(LedgerTests.sessions(1, seed: 85)[0].1, at: "ann/new.json")
        let third = try PolarPipeExecutable.run(["run", "--workspace", tmp.workspace.root.path, "--retries", "0"], environment: Self.environment)
        #expect(third.status == 0, "\(third.output)")

        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let poisoned = try #require(try await store.queue.read { db in try Row.fetchOne(db, sql: row)?["id"] as Int64? })
        let file = try #require(try await store.file(id: poisoned))
        #expect(file.state == .quarantined && file.reason == "internal-error")
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.workspace.url("quarantine/zed/heavy.json.reason.json"))) as? [String: Any]
        #expect(sidecar?["reason"] as? String == "internal-error")
        #expect((sidecar?["detail"] as? String)?.contains("calculate_exercise_statistics") == true)
        #expect(try Data(contentsOf: tmp.workspace.url("quarantine/zed/heavy.json")) == Data(heavy))
        // Nothing of it stays loaded; the five other files and the new one are.
        let (exercises, ofPoisoned, orphanSamples) = try await store.queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises WHERE file_id = ?", arguments: [poisoned]) ?? -1,
             try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM heart_rate_samples WHERE exercise_id NOT IN (SELECT id FROM exercises))
                     + (SELECT COUNT(*) FROM gps_route_points WHERE exercise_id NOT IN (SELECT id FROM exercises))
                     + (SELECT COUNT(*) FROM exercise_statistics WHERE exercise_id NOT IN (SELECT id FROM exercises))
                """) ?? -1)
        }
        #expect(exercises == 6 && ofPoisoned == 0 && orphanSamples == 0)
        let statistics = try await store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercise_statistics") ?? -1 }
        #expect(statistics == 6)
        let runs = try await store.runs(limit: 10)
        #expect(runs.count == 2 && runs.allSatisfy { $0.state == .success }, "\(runs.map { "\($0.runID) \($0.state)" })")
        let interrupted = try #require(runs.last)
        #expect(try await store.files(runID: interrupted.runID).filter { $0.id != poisoned }.allSatisfy { $0.state == .archived })
        #expect(try await store.files(runID: try #require(runs.first).runID).map(\.state) == [.archived])
        let tries = try await store.taskInstances(runID: interrupted.runID)
            .filter { $0.taskID == "calculate_exercise_statistics" && $0.mapIndex == file.shard }
        #expect(tries.map(\.state) == [.failed, .failed, .success] && tries.prefix(2).allSatisfy { $0.error == PoisonPill.died })
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty && tmp.files(under: tmp.workspace.inbox).isEmpty)
    }
}

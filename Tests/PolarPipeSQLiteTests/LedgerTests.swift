import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The ingestion ledger against a real SQLite file: odd file names, hostile run ids, zips that stop half-way or do not
/// fit one batch, files and tasks that kill their process. Each case ends with every file loaded, skipped or
/// quarantined with a reason, nothing in `staging/`, no run left open, and the next run loading new files.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LedgerTests {
    /// `count` generated sessions of one user, as (entry name, bytes), for zips.
    static func sessions(_ count: Int, seed: UInt64, user: Int = 0) -> [(String, Data)] {
        let data = SyntheticData(users: 1, sessionsPerUser: count, seed: seed, durationSeconds: 120)
        return (0 ..< count).map { s in
            let (bytes, _) = data.makeSession(user: user, index: s)
            return (String(format: "training-session-2026-01-%02d-%d.json", 1 + s % 28, s), Data(bytes))
        }
    }

    static func exerciseCount(_ store: SQLiteStore) async throws -> Int {
        try await store.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM exercises") ?? 0 }
    }

    static func openRuns(_ store: SQLiteStore) async throws -> Int {
        try await store.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM pipeline_runs WHERE state = 'running'") ?? 0 }
    }

    @Test func fileNamesWithHashPercentQuotesAndUnicodeLoadAndArchiveUnderTheirNames() async throws {
        let tmp = try TemporaryWorkspace("odd-names")
        defer { tmp.remove() }
        let sessions = Self.sessions(6, seed: 71)
        let names = ["run #2.json", "50% tempo.json", "it's \"easy\".json", "løp på isen – 🏃.json", "#.json", "a#b#c.json"]
        for (name, session) in zip(names, sessions) { try tmp.drop(session.1, at: "ann/" + name) }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let result = try await makeRunner(tmp, store).run(runID: "odd")
        #expect(result.outcome.state == .success, "\(result.outcome)")
        let files = try await store.files(runID: "odd")
        #expect(files.count == 6 && files.allSatisfy { $0.state == .archived && $0.entryName == nil })
        #expect(Set(files.map(\.originalPath)) == Set(names.map { "ann/" + $0 }))
        #expect(try await Self.exerciseCount(store) == 6)
        let archived = Set(tmp.files(under: tmp.workspace.processed).map { String($0.split(separator: "/").last ?? "") })
        #expect(archived == Set(names))
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)

        // The next run loads a new file and finds nothing left over.
        try tmp.drop(Self.sessions(7, seed: 71)[6].1, at: "ann/next #3.json")
        let next = try await makeRunner(tmp, store).run(runID: "odd-2")
        #expect(next.recovered.isEmpty && next.outcome.state == .success)
        #expect(try await store.files(runID: "odd-2").map(\.state) == [.archived])
        #expect(try await Self.openRuns(store) == 0)
    }

    @Test(arguments: ["..", ".", "../x", "a/b", "", "-rf", " ", "x\u{0}y", String(repeating: "r", count: 201), "run..1", "é"])
    func aRunIDThatIsNotAPlainNameIsRefusedAndTouchesNothing(_ runID: String) async throws {
        let tmp = try TemporaryWorkspace("run-id")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 72, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store)
        await #expect(throws: RunID.Invalid.self) { try await runner.runTask("cleanup_and_archive", runID: runID) }
        await #expect(throws: RunID.Invalid.self) { try await runner.runTask("validate_json_files", runID: runID) }
        await #expect(throws: RunID.Invalid.self) { try await runner.resume(runID: runID) }
        await #expect(throws: RunID.Invalid.self) { try await runner.run(runID: runID) }
        #expect(FileManager.default.fileExists(atPath: tmp.workspace.databaseFile.path))
        #expect(tmp.files(under: tmp.workspace.inbox).count == 1)
        #expect(try await store.runs(limit: 10).isEmpty)
    }

    @Test func airflowRunIDsAreAcceptedAndGetAFolderOfTheirOwn() throws {
        let ids = ["manual__2026-12-01T16:34:31.123456+00:00", "scheduled__2026-12-01T02:00:00+00:00", "run-20261201T163431Z-1a2b",
                   "manual__2026-12-01T16_34_31.123456_00_00"]
        #expect(ids.allSatisfy(RunID.isValid))
        let ws = Workspace(path: "/tmp/ws")
        let folders = ids.map { ws.staging($0) }
        #expect(Set(folders).count == ids.count)  // ':' and '+' become '_' and a hash keeps them apart
        #expect(folders.allSatisfy { Workspace.contains(ws.stagingRoot, $0) && $0.deletingLastPathComponent() == ws.stagingRoot })
        #expect(!Workspace.contains(ws.stagingRoot, ws.stagingRoot.appendingPathComponent("..")))
    }

    @Test func theCLIRefusesADotDotRunIDAndKeepsTheWorkspace() throws {
        let tmp = try TemporaryWorkspace("cli-run-id")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 73, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try PolarPipeExecutable.run(["run", "--quiet"] + ws).status == 0)
        let before = tmp.files(under: tmp.workspace.root).filter { !$0.hasPrefix("polarpipe.sqlite") }
        for id in ["..", ".", "x/../.."] {
            let result = try PolarPipeExecutable.run(["task", "cleanup_and_archive", "--run-id", id] + ws)
            #expect(result.status != 0 && result.output.contains("not valid"), "\(result.output)")
            let viaEnv = try PolarPipeExecutable.run(["task", "cleanup_and_archive"] + ws, environment: ["RUN_ID": id])
            #expect(viaEnv.status != 0, "\(viaEnv.output)")
        }
        #expect(FileManager.default.fileExists(atPath: tmp.workspace.databaseFile.path))
        #expect(tmp.files(under: tmp.workspace.root).filter { !$0.hasPrefix("polarpipe.sqlite") } == before)
    }

    @Test func anExportLargerThanTheBatchSpreadsOverRunsAndLoadsEverySessionOnce() async throws {
        let tmp = try TemporaryWorkspace("zip-batches")
        defer { tmp.remove() }
        let entries = Self.sessions(25, seed: 74) + [("activity-2026-01-01.json", Data("{}".utf8))]
        try FileManager.default.createDirectory(at: tmp.workspace.inbox.appendingPathComponent("zoe"), withIntermediateDirectories: true)
        try makeZip(tmp.workspace.inbox.appendingPathComponent("zoe/polar-user-data-export_9.zip"), entries)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        var loaded: [Int] = []
        for k in 1 ... 3 {
            let result = try await makeRunner(tmp, store) { $0.maxExercisesPerRun = 10 }.run(runID: "batch-\(k)")
            #expect(result.outcome.state == .success)
            loaded.append(try await Self.exerciseCount(store))
            #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
            // Until the last run the zip waits in the inbox, its row `partial`.
            let inInbox = tmp.files(under: tmp.workspace.inbox)
            #expect(inInbox == (k < 3 ? ["inbox/zoe/polar-user-data-export_9.zip"] : []), "run \(k)")
        }
        #expect(loaded == [10, 20, 25])
        let archives = tmp.files(under: tmp.workspace.processed)
        #expect(archives.count == 1 && archives[0].hasSuffix("zoe/polar-user-data-export_9.zip"))
        let zipRows = try await store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT state, run_id FROM ingested_files WHERE entry_name IS NULL")
        }
        #expect(zipRows.count == 1 && zipRows.first?["state"] == "archived" && zipRows.first?["run_id"] == "batch-3")
        let entryRuns = try await store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT run_id, COUNT(*) AS n FROM ingested_files WHERE entry_name IS NOT NULL GROUP BY run_id ORDER BY run_id")
                .map { "\($0["run_id"] as String)=\($0["n"] as Int)" }
        }
        // 25 sessions, 10 a run, and the activity entry (skipped, on a row of its own) in the last.
        #expect(entryRuns == ["batch-1=10", "batch-2=10", "batch-3=6"])
        // The same sessions in another export (other zip bytes: one more file): every session is a duplicate.
        try makeZip(tmp.workspace.inbox.appendingPathComponent("zoe/polar-user-data-export_9 (copy).zip"),
                    entries + [("sleep_result_2026-01-02.json", Data("[]".utf8))])
        let again = try await makeRunner(tmp, store).run(runID: "batch-4")
        #expect(again.outcome.state == .success)
        let copies = try await store.files(runID: "batch-4")
        // Every session and the activity entry are duplicates; the new sleep entry is skipped.
        #expect(copies.filter { $0.entryName != nil }.map(\.state) == Array(repeating: .duplicate, count: 26) + [.skipped])
        #expect(try await Self.exerciseCount(store) == 25)
        // And the very same zip file again is a duplicate as a whole.
        try FileManager.default.copyItem(at: tmp.workspace.url(archives[0]), to: tmp.workspace.inbox.appendingPathComponent("zoe/again.zip"))
        _ = try await makeRunner(tmp, store).run(runID: "batch-5")
        #expect(try await store.files(runID: "batch-5").map(\.state) == [.duplicate])
    }

    @Test func aZipInterruptedAfterSomeEntriesResumesAtTheNextEntry() async throws {
        let tmp = try TemporaryWorkspace("zip-killed")
        defer { tmp.remove() }
        try FileManager.default.createDirectory(at: tmp.workspace.inbox.appendingPathComponent("zoe"), withIntermediateDirectories: true)
        try makeZip(tmp.workspace.inbox.appendingPathComponent("zoe/export.zip"), Self.sessions(120, seed: 75))
        // Kill it once a few entries are recorded and before the zip is done (watched read-only, so that the test
        // never takes part in creating the schema the run is writing).
        var recorded = 0
        let killed = try await MappedPoisonPillTests.runKilled(tmp, environment: [:]) { db in
            recorded = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE entry_name IS NOT NULL") ?? 0
            return recorded >= 8
        }
        #expect(killed)
        #expect(recorded >= 8 && recorded < 120, "killed after \(recorded) entries")
        for _ in 0 ..< 2 {
            #expect(try PolarPipeExecutable.run(["run", "--workspace", tmp.workspace.root.path, "--quiet"]).status == 0)
        }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await Self.exerciseCount(store) == 120)
        let entries = try await store.queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT entry_name) FROM ingested_files WHERE entry_name IS NOT NULL AND state = 'archived'")
        }
        #expect(entries == 120)
        #expect(try await Self.openRuns(store) == 0)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty && tmp.files(under: tmp.workspace.inbox).isEmpty)
    }

    @Test func aFileThatWasInFlightForTwoDeathsIsQuarantinedAndTheOthersLoad() async throws {
        let tmp = try TemporaryWorkspace("poison-file")
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let sessions = Self.sessions(3, seed: 76)
        // A run that claimed three files and died twice while the second was being decoded.
        try await store.createRun("died", startedAt: Clock.nowMillis(), trigger: "manual")
        try await store.recordTask(TaskInstanceRecord(runID: "died", taskID: "validate_json_files", tryNumber: 1, state: .running))
        for (i, session) in sessions.enumerated() {
            let original = "ann/s\(i).json"
            let id = try await store.claimFile(ClaimedFile(originalPath: original, userKey: "ann", runID: "died", path: "",
                                                           bytes: Int64(session.1.count), attempts: i == 1 ? 2 : 1))
            let url = tmp.workspace.claimedFile("died", id: id, originalPath: original)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try session.1.write(to: url)
        }
        let result = try await makeRunner(tmp, store).run(runID: "next")
        #expect(result.recovered.map(\.runID) == ["died"] && result.recovered.first?.outcome.state == .success)
        let files = try await store.files(runID: "died")
        #expect(files.map(\.state) == [.archived, .quarantined, .archived])
        #expect(files[1].reason == "internal-error")
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.workspace.url("quarantine/ann/s1.json.reason.json"))) as? [String: Any]
        #expect(sidecar?["reason"] as? String == "internal-error")
        #expect(try await Self.exerciseCount(store) == 2)
        let tries = try await store.taskInstances(runID: "died").filter { $0.taskID == "validate_json_files" }
        #expect(tries.map(\.state) == [.failed, .success] && tries[0].error == PoisonPill.died)
    }

    @Test func aRunWhoseProcessDiedTwiceInTheSameTaskIsFailedWithAnAlertAndNewFilesFlow() async throws {
        let tmp = try TemporaryWorkspace("poison-task")
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        try await store.createRun("stuck", startedAt: Clock.nowMillis(), trigger: "manual")
        try await store.recordTask(TaskInstanceRecord(runID: "stuck", taskID: "validate_json_files", tryNumber: 1, state: .success))
        for n in 1 ... 2 {
            try await store.recordTask(TaskInstanceRecord(runID: "stuck", taskID: "update_global_statistics", tryNumber: n,
                                                          state: n == 1 ? .failed : .running, error: n == 1 ? PoisonPill.died : nil))
        }
        let alerts = tmp.workspace.root.appendingPathComponent("alerts.jsonl")
        try tmp.drop(Self.sessions(1, seed: 77)[0].1, at: "ann/new.json")
        let result = try await makeRunner(tmp, store) { $0.alertCommand = "cat >> '\(alerts.path)'" }.run(runID: "after")
        #expect(result.recovered.map(\.runID) == ["stuck"])
        #expect(result.recovered.first?.outcome.state == .failed && result.recovered.first?.outcome.failedTask == "update_global_statistics")
        #expect(try await store.run("stuck")?.state == .failed)
        #expect(result.outcome.state == .success)
        #expect(try await store.files(runID: "after").map(\.state) == [.archived])
        let alert = try String(contentsOf: alerts, encoding: .utf8)
        #expect(alert.contains("\"run_id\":\"stuck\"") && alert.contains("died 2 times"))
        // `runs show` says why.
        let show = try PolarPipeExecutable.run(["runs", "show", "stuck", "--workspace", tmp.workspace.root.path])
        #expect(show.output.contains("died"), "\(show.output)")
    }

    /// The per-file tasks get a third death before their run is given up: the second one finds the file.
    @Test func aPerFileTaskInstanceIsGivenUpOnlyAfterItsThirdDeath() {
        func died(_ task: String, _ mapIndex: Int, _ times: Int) -> [TaskInstanceRecord] {
            (1 ... times).map { TaskInstanceRecord(runID: "r", taskID: task, mapIndex: mapIndex, tryNumber: $0, state: .failed, error: PoisonPill.died) }
        }
        #expect(PoisonPill.deadTask(died("calculate_exercise_statistics", 3, 2) + died("load_gps_route_points", 1, 2)) == nil)
        #expect(PoisonPill.deadTask(died("calculate_exercise_statistics", 3, 3))?.instance == TaskInstanceKey("calculate_exercise_statistics", 3))
        #expect(PoisonPill.deadTask(died("update_user_statistics", 0, 2))?.deaths == 2)
    }

    @Test func aFullBatchGivesTheRestBackAndTheNextRunTakesIt() async throws {
        let tmp = try TemporaryWorkspace("batch-files")
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 5, seed: 78, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        _ = try await makeRunner(tmp, store) { $0.maxExercisesPerRun = 4 }.run(runID: "b1")
        #expect(try await Self.exerciseCount(store) == 4 && tmp.files(under: tmp.workspace.inbox).count == 6)
        #expect(try await store.files(runID: "b1").count == 4)  // the rest was given back, not recorded
        _ = try await makeRunner(tmp, store).run(runID: "b2")
        #expect(try await Self.exerciseCount(store) == 10 && tmp.files(under: tmp.workspace.inbox).isEmpty)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
    }

    @Test func theLedgerRefusesAMoveItsStateMachineDoesNotAllow() async throws {
        let tmp = try TemporaryWorkspace("ledger-rules")
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let id = try await store.claimFile(ClaimedFile(originalPath: "u/a.json", userKey: "u", runID: "r", path: "staging/r/claimed/1.json", bytes: 3))
        await #expect(throws: LedgerError(fileID: id, from: .claimed, to: .loaded)) {
            try await store.updateFile(FileUpdate(id: id, state: .loaded))
        }
        try await store.updateFile(FileUpdate(id: id, state: .quarantined, path: "quarantine/u/a.json", reason: .some("invalid-json")))
        await #expect(throws: LedgerError.self) { try await store.updateFile(FileUpdate(id: id, state: .validated)) }
        let row = try #require(try await store.file(id: id))
        #expect(row.state == .quarantined && row.status == .quarantined && row.path == "quarantine/u/a.json" && row.reason == "invalid-json")
        for state in FileState.allCases {
            #expect(state.successors.allSatisfy { state.canMove(to: $0) } && state.canMove(to: state))
        }
        #expect(!FileState.archived.canMove(to: .claimed) && FileState.partial.canMove(to: .claimed))
    }
}

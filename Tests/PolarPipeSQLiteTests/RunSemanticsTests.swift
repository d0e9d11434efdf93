import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

@Suite(.serialized, .timeLimit(.minutes(5))) struct RunSemanticsTests {
    func snapshot(_ store: SQLiteStore) async throws -> [String] { try await DatabaseSnapshot.of(store) }

    @Test func resumeRerunsOnlyTheFailedTaskAndWhatFollows() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 2, seed: 11, durationSeconds: 120).write(to: tmp.workspace.inbox)
        try Data("a file where the reports folder should be".utf8).write(to: tmp.workspace.reports)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store, retries: 1)
        let first = try await runner.run(runID: "r1").outcome
        #expect(first.state == .failed && first.failedTask == "generate_reports")

        try FileManager.default.removeItem(at: tmp.workspace.reports)  // the fault is fixed
        let resumed = try await runner.resume(runID: "r1")
        #expect(resumed.state == .success)
        let instances = try await store.taskInstances(runID: "r1")
        let tries = Dictionary(grouping: instances, by: \.taskID).mapValues { $0.sorted { $0.tryNumber < $1.tryNumber }.map(\.state) }
        for id in ["validate_json_files", "extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples",
                   "load_gps_route_points", "calculate_exercise_statistics", "update_user_statistics", "update_global_statistics"] {
            #expect(tries[id] == [.success], "\(id)")
        }
        #expect(tries["generate_reports"] == [.upForRetry, .failed, .success])
        #expect(tries["cleanup_and_archive"] == [.success])
        #expect(try await store.run("r1")?.state == .success)
        #expect(tmp.files(under: tmp.workspace.processed).count == 4)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
        #expect(FileManager.default.fileExists(atPath: tmp.workspace.reports.appendingPathComponent("index.html").path))
    }

    @Test func tasksRunOneByOneGiveTheSameDatabaseAsARun() async throws {
        let a = try TemporaryWorkspace(), b = try TemporaryWorkspace()
        defer { a.remove(); b.remove() }
        let data = SyntheticData(users: 2, sessionsPerUser: 2, seed: 12, durationSeconds: 240)
        try data.write(to: a.workspace.inbox)
        try data.write(to: b.workspace.inbox)
        let storeA = try SQLiteStore(path: a.workspace.databaseFile.path)
        let storeB = try SQLiteStore(path: b.workspace.databaseFile.path)
        #expect(try await makeRunner(a, storeA).run(runID: "whole").outcome.state == .success)

        let runner = makeRunner(b, storeB)
        for task in try TrainingPipeline.graph().tasks {
            let outcome = try await runner.runTask(task.id, runID: "manual__2026-11-28T02:00:00+00:00")
            guard case .done = outcome else { Issue.record("\(task.id): \(outcome)"); return }
        }
        #expect(try await storeB.run("manual__2026-11-28T02:00:00+00:00")?.state == .success)
        #expect(try await snapshot(storeA) == snapshot(storeB))
        #expect(b.files(under: b.workspace.processed).count == 4)
        #expect(b.files(under: b.workspace.stagingRoot).isEmpty)
        // Nothing more to do: a new run's first task exits "nothing to do" (99 on the command line).
        #expect(try await runner.runTask("validate_json_files", runID: "empty-run") == .nothingToDo(TaskOutput(
            ["files": 0, "valid": 0, "quarantined": 0, "duplicates": 0, "skipped": 0, "exercises": 0, "file_shards": 0, "user_shards": 0],
            nothingToDo: true)))
        // A task whose upstream has not run is refused.
        await #expect(throws: PipelineError.self) { try await runner.runTask("load_heart_rate_samples", runID: "other") }
    }

    @Test func nextRunFinishesARunWhoseProcessDied() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 2, seed: 13, durationSeconds: 120).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store)
        // A run that claimed and validated the files in task mode, then its scheduler went away: the task-mode lease
        // holds between tasks (even with its last process gone) until it lapses.
        guard case .done = try await runner.runTask("validate_json_files", runID: "crashed") else { Issue.record("validate"); return }
        _ = try await runner.runTask("extract_user_data", runID: "crashed")
        try await store.queue.write { db in try db.execute(sql: "UPDATE run_lease SET owner_pid = 999999") }
        await #expect(throws: PipelineError.self) { try await runner.run(runID: "too-early") }
        try await store.queue.write { db in try db.execute(sql: "UPDATE run_lease SET expires_at = 0") }
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)

        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 14, durationSeconds: 120).write(to: tmp.workspace.inbox.appendingPathComponent("late"))
        let result = try await runner.run(runID: "next")
        #expect(result.recovered.map(\.runID) == ["crashed"])
        #expect(result.recovered.first?.outcome.state == .success)
        #expect(result.outcome.state == .success)
        #expect(try await store.run("crashed")?.state == .success)
        let counts = try await store.queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE status = 'loaded'") ?? 0)
        }
        #expect(counts.0 == 5 && counts.1 == 5)
        #expect(tmp.files(under: tmp.workspace.processed).count == 5)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
        #expect(try await store.taskInstances(runID: "crashed").filter { $0.taskID == "validate_json_files" }.count == 1)
    }

    @Test func batchLimitLeavesTheRestInTheInbox() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 5, seed: 15, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store) { $0.maxExercisesPerRun = 3 }
        #expect(try await runner.run(runID: "b1").outcome.state == .success)
        #expect(try await store.exercises(runID: "b1").count == 3)
        #expect(tmp.files(under: tmp.workspace.inbox).count == 2)
        #expect(try await runner.run(runID: "b2").outcome.state == .success)
        #expect(try await store.exercises(runID: "b2").count == 2)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
        #expect(tmp.files(under: tmp.workspace.processed).count == 5)
    }

    @Test func aFailedRunSendsOneAlertToTheWebhookAndTheCommand() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let listener = try LoopbackHTTPListener()
        defer { listener.stop() }
        try SyntheticData(users: 1, sessionsPerUser: 2, seed: 16, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let commandOutput = tmp.workspace.root.appendingPathComponent("alert-from-command.json")
        let runner = makeRunner(tmp, store, retries: 2) {
            $0.alertWebhook = listener.url
            $0.alertCommand = "cat > '\(commandOutput.path)'"
        }
        // A success sends nothing.
        #expect(try await runner.run(runID: "ok").outcome.state == .success)
        #expect(listener.requests.isEmpty)

        try SyntheticData(users: 1, sessionsPerUser: 2, seed: 17, durationSeconds: 60).write(to: tmp.workspace.inbox)
        try FileManager.default.removeItem(at: tmp.workspace.reports)
        try Data("not a folder".utf8).write(to: tmp.workspace.reports)
        let failed = try await runner.run(runID: "bad").outcome
        #expect(failed.state == .failed && failed.tries["generate_reports"] == 3)
        let requests = listener.requests
        #expect(requests.count == 1)  // once per failed run, not per retry
        #expect(requests.first?.requestLine == "POST /alerts HTTP/1.1")
        let alert = try JSONDecoder().decode(RunAlert.self, from: try #require(requests.first?.body))
        #expect(alert.run_id == "bad" && alert.state == "failed" && alert.failed_task == "generate_reports")
        #expect(alert.files == 2 && alert.exercises == 2 && alert.quarantined == 0 && alert.hr_samples > 100)
        #expect(alert.error?.isEmpty == false)
        let fromCommand = try JSONDecoder().decode(RunAlert.self, from: Data(contentsOf: commandOutput))
        #expect(fromCommand == alert)
    }

    @Test func aRunPastItsTimeoutFailsAndCanBeResumed() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 4, seed: 18, durationSeconds: 900).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store) { $0.runTimeoutSeconds = 0.05 }.run(runID: "slow").outcome
        #expect(outcome.state == .failed)
        #expect(outcome.error?.contains("run timeout") == true)
        #expect(try await store.run("slow")?.state == .failed)
        let resumed = try await makeRunner(tmp, store).resume(runID: "slow")
        #expect(resumed.state == .success)
        #expect(try await store.exercises(runID: "slow").count == 8)
        #expect(tmp.files(under: tmp.workspace.processed).count == 8)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty && tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
    }

    @Test func aSuccessfulRunCanNotifyAWebhookWithItsSummary() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let listener = try LoopbackHTTPListener()
        defer { listener.stop() }
        try SyntheticData(users: 1, sessionsPerUser: 3, seed: 19, durationSeconds: 60).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store) { $0.reportWebhook = listener.url }
        #expect(try await runner.run(runID: "notify").outcome.state == .success)
        #expect(try await runner.run(runID: "nothing-new").outcome.state == .success)  // an empty run notifies nobody
        let requests = listener.requests
        #expect(requests.count == 1)
        let summary = try JSONDecoder().decode(RunAlert.self, from: try #require(requests.first?.body))
        #expect(summary.run_id == "notify" && summary.state == "success" && summary.exercises == 3 && summary.failed_task == nil)
    }
}

import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport

/// The `airflow` executable `.ci/run` installs, from `AIRFLOW_BIN`.
let airflowBinary = ProcessInfo.processInfo.environment["AIRFLOW_BIN"]

/// `polarpipe airflow-dag` run by a real Apache Airflow 3 (`airflow dags test`), on each backend: every task is a
/// `polarpipe task` process, as on a worker. Runs when `AIRFLOW_BIN` names the `airflow` executable (`.ci/run`
/// installs apache-airflow 3.3.2 into a venv and sets it); under CI a missing Airflow is a failure.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: TestEnvironment.runs(airflowBinary != nil)))
struct AirflowTests {
    static let airflow = airflowBinary

    /// Airflow's settings for a test home.
    static func environment(home: URL) -> [String: String] {
        ["AIRFLOW_HOME": home.path, "AIRFLOW__CORE__DAGS_FOLDER": home.appendingPathComponent("dags").path,
         "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "False"]
    }

    static func airflowRun(_ arguments: [String], home: URL) throws -> PolarPipeExecutable.Result {
        try PolarPipeExecutable.run(executable: URL(fileURLWithPath: airflow ?? "/bin/false"), arguments, environment: environment(home: home))
    }

    /// An Airflow home with the generated DAG file for the workspace and database of `opened`.
    static func home(for opened: OpenedStore, retries: Int) throws -> URL {
        let home = opened.tmp.workspace.root.appendingPathComponent("airflow-home")
        let dags = home.appendingPathComponent("dags")
        try FileManager.default.createDirectory(at: dags, withIntermediateDirectories: true)
        let dag = try AirflowDAG(binary: PolarPipeExecutable.url.path, workspace: opened.tmp.workspace.root.path,
                                 databaseURL: opened.databaseArgument, retries: retries, retryDelaySeconds: 0).render()
        try Data(dag.utf8).write(to: dags.appendingPathComponent("training_data_pipeline.py"))
        return home
    }

    @Test(arguments: Backend.available)
    func airflowRunsTheTenTasksAndGetsTheSameDatabaseAsPolarpipeRun(_ backend: Backend) async throws {
        _ = try #require(Self.airflow, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        try await withStore(backend, "airflow") { viaAirflow in
            try await withStore(backend, "airflow-reference") { viaRun in
                // Every layout, a multisport session, an export zip and odd file names.
                let data = SyntheticData(users: 2, sessionsPerUser: 4, seed: 61, durationSeconds: 300, layout: .mixed,
                                         multisportShare: 0.5, zip: true, oddNames: true)
                try data.write(to: viaAirflow.tmp.workspace.inbox)
                try data.write(to: viaRun.tmp.workspace.inbox)
                let files = viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.inbox).count
                #expect(try await viaRun.runner().run(runID: "reference").outcome.state == .success)

                let home = try Self.home(for: viaAirflow, retries: 1)
                let migrate = try Self.airflowRun(["db", "migrate"], home: home)
                #expect(migrate.status == 0, "\(migrate.output.suffix(2000))")
                let started = Date()
                let test = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID], home: home)
                #expect(test.status == 0, "\(test.output.suffix(3000))")
                print("airflow dags test on \(backend): \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

                let store = viaAirflow.store
                #expect(try await StoreSnapshot.of(store) == StoreSnapshot.of(viaRun.store))
                #expect(try await StoreSnapshot.files(store) == StoreSnapshot.files(viaRun.store))
                let runs = try await store.runs(limit: 5)
                #expect(runs.count == 1 && runs.first?.state == .success && runs.first?.trigger == "task")
                let instances = try await store.taskInstances(runID: try #require(runs.first?.runID))
                #expect(Set(instances.map(\.taskID)).count == 10)
                #expect(instances.allSatisfy { $0.state == .success })
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.processed).count == files)
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.stagingRoot).isEmpty)
            }
        }
    }

    @Test(arguments: Backend.available) func aFailingTaskIsRetriedByAirflowAndTheRunFails(_ backend: Backend) async throws {
        _ = try #require(Self.airflow, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        try await withStore(backend, "airflow-failing") { opened in
            try SyntheticData(users: 1, sessionsPerUser: 1, seed: 62, durationSeconds: 120).write(to: opened.tmp.workspace.inbox)
            try Data("not a folder".utf8).write(to: opened.tmp.workspace.reports)
            let home = try Self.home(for: opened, retries: 1)
            #expect(try Self.airflowRun(["db", "migrate"], home: home).status == 0)
            let test = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID], home: home)
            #expect(test.status != 0, "\(test.output.suffix(2000))")
            let run = try #require(try await opened.store.runs(limit: 1).first)
            #expect(run.state == .failed)
            let tries = try await opened.store.taskInstances(runID: run.runID).filter { $0.taskID == "generate_reports" }
            // Airflow's retry ran the task again; the first try kept the run open for it.
            #expect(tries.map(\.state) == [.upForRetry, .failed])
            #expect(try await opened.store.currentLease() == nil)
        }
    }

    /// As in the embedded runner: an empty inbox, then a batch of duplicates only, each end their run (`success`),
    /// with the duplicates archived and nothing left in `staging/`. Exit 99 of a task must not skip the cleanup.
    @Test(arguments: Backend.available) func anEmptyInboxAndOnlyDuplicatesEndTheRunAsInTheEmbeddedRunner(_ backend: Backend) async throws {
        _ = try #require(Self.airflow, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        try await withStore(backend, "airflow-empty") { opened in
            let home = try Self.home(for: opened, retries: 0)
            #expect(try Self.airflowRun(["db", "migrate"], home: home).status == 0)
            let empty = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID, "2026-11-01"], home: home)
            #expect(empty.status == 0, "\(empty.output.suffix(2000))")
            var runs = try await opened.store.runs(limit: 5)
            #expect(runs.count == 1 && runs.first?.state == .success)
            let firstRun = try #require(runs.first?.runID)
            // No shard: Airflow expands the mapped tasks to nothing and skips them without a process; the cleanup
            // records them as the embedded runner does (one skipped instance each), so all ten tasks are skipped.
            let instances = try await opened.store.taskInstances(runID: firstRun)
            #expect(Set(instances.map(\.taskID)) == Set(try TrainingPipeline.graph().tasks.map(\.id)), "\(instances.map(\.taskID))")
            #expect(instances.allSatisfy { $0.mapIndex == -1 })
            #expect(instances.allSatisfy { $0.state == .skipped })

            // Load two sessions with the embedded runner, then drop the same bytes again for Airflow.
            let data = SyntheticData(users: 1, sessionsPerUser: 2, seed: 63, durationSeconds: 120)
            try data.write(to: opened.tmp.workspace.inbox)
            #expect(try await opened.runner().run(runID: "embedded").outcome.state == .success)
            try data.write(to: opened.tmp.workspace.inbox)
            let duplicates = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID, "2026-11-02"], home: home)
            #expect(duplicates.status == 0, "\(duplicates.output.suffix(2000))")
            runs = try await opened.store.runs(limit: 5)
            #expect(runs.count == 3 && runs.allSatisfy { $0.state == .success }, "\(runs)")
            let airflowRun = try #require(runs.first { $0.runID != "embedded" && $0.runID != firstRun })
            #expect(try await opened.store.files(runID: airflowRun.runID).map(\.state) == [.duplicate, .duplicate])
            #expect(opened.tmp.files(under: opened.tmp.workspace.stagingRoot).isEmpty)
            #expect(opened.tmp.files(under: opened.tmp.workspace.inbox).isEmpty)
            #expect(opened.tmp.files(under: opened.tmp.workspace.processed).count == 4)
            #expect(try await opened.store.currentLease() == nil)
        }
    }

    /// The pids of running `polarpipe task <taskID>` processes of `workspace` (read from /proc).
    static func taskProcesses(_ taskID: String, workspace: String) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.compactMap(Int32.init).filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return args.first?.hasSuffix("/polarpipe") == true && args.dropFirst().first == "task" && args.contains(taskID)
                && args.contains(workspace)
        }
    }

    /// A real Airflow run in which three `polarpipe task` processes are killed with SIGKILL while they run (the first
    /// task, a load task, the cleanup): Airflow retries each, and the database equals an uninterrupted `polarpipe run`.
    @Test(arguments: Backend.available) func killedTaskProcessesUnderAirflowAreRetriedToTheSameResult(_ backend: Backend) async throws {
        let airflow = try #require(Self.airflow, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        try await withStore(backend, "airflow-killed") { viaAirflow in
            try await withStore(backend, "airflow-killed-reference") { viaRun in
                let data = SyntheticData(users: 2, sessionsPerUser: 6, seed: 64, durationSeconds: 1800)
                try data.write(to: viaAirflow.tmp.workspace.inbox)
                try data.write(to: viaRun.tmp.workspace.inbox)
                #expect(try await viaRun.runner().run(runID: "reference").outcome.state == .success)
                let home = try Self.home(for: viaAirflow, retries: 2)
                #expect(try Self.airflowRun(["db", "migrate"], home: home).status == 0)

                let process = Process()
                process.executableURL = URL(fileURLWithPath: airflow)
                process.arguments = ["dags", "test", TrainingPipeline.dagID]
                process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POLARPIPE_") }
                    .merging(Self.environment(home: home)) { $1 }
                let log = viaAirflow.tmp.workspace.root.appendingPathComponent("airflow.log")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                process.standardOutput = handle
                process.standardError = handle
                try process.run()
                var killed: [String] = []
                let workspace = viaAirflow.tmp.workspace.root.path
                let store = viaAirflow.store
                for victim in ["validate_json_files", "load_gps_route_points", "cleanup_and_archive"] {
                    // Wait until the task's first try is running (its row says so), then kill its process.
                    var pid: Int32?
                    for _ in 0 ..< 12_000 where pid == nil && process.isRunning {
                        var running = false
                        if let run = try await store.runs(limit: 1).first {
                            running = try await store.taskInstances(runID: run.runID)
                                .contains { $0.taskID == victim && $0.tryNumber == 1 && $0.state == .running }
                        }
                        pid = running ? Self.taskProcesses(victim, workspace: workspace).first : nil
                        if pid == nil { try await Task.sleep(nanoseconds: 5_000_000) }
                    }
                    guard let pid else { continue }
                    if kill(pid, SIGKILL) == 0 { killed.append(victim) }
                }
                process.waitUntilExit()
                try handle.close()
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                #expect(process.terminationStatus == 0, "\(output.suffix(3000))")
                #expect(killed.count >= 2, "killed \(killed)")
                #expect(try await StoreSnapshot.of(viaAirflow.store) == StoreSnapshot.of(viaRun.store))
                #expect(try await StoreSnapshot.files(viaAirflow.store) == StoreSnapshot.files(viaRun.store))
                let run = try #require(try await viaAirflow.store.runs(limit: 1).first)
                #expect(run.state == .success)
                let died = try await viaAirflow.store.taskInstances(runID: run.runID).filter { $0.error == PoisonPill.died }
                #expect(Set(died.map(\.taskID)) == Set(killed), "\(died)")
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.stagingRoot).isEmpty)
            }
        }
    }
}

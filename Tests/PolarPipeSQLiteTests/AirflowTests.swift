import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// `polarpipe airflow-dag` run by a real Apache Airflow 3 (`airflow dags test`). Runs when `AIRFLOW_BIN` names the
/// `airflow` executable (`.ci/run` installs apache-airflow 3.3.2 into a venv and sets it).
@Suite(.serialized, .timeLimit(.minutes(10))) struct AirflowTests {
    static let airflow = ProcessInfo.processInfo.environment["AIRFLOW_BIN"]

    struct Result { var status: Int32; var output: String }

    static func airflowRun(_ arguments: [String], home: URL) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: airflow ?? "/bin/false")
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["AIRFLOW_HOME"] = home.path
        env["AIRFLOW__CORE__DAGS_FOLDER"] = home.appendingPathComponent("dags").path
        env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        env["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// An Airflow home with the generated DAG file for `workspace`.
    static func home(for workspace: Workspace, retries: Int) throws -> URL {
        let home = workspace.root.appendingPathComponent("airflow-home")
        let dags = home.appendingPathComponent("dags")
        try FileManager.default.createDirectory(at: dags, withIntermediateDirectories: true)
        let dag = try AirflowDAG(binary: CrashRecoveryTests.executable.path, workspace: workspace.root.path, retries: retries,
                                 retryDelaySeconds: 0).render()
        try Data(dag.utf8).write(to: dags.appendingPathComponent("training_data_pipeline.py"))
        return home
    }

    @Test func airflowRunsTheTenTasksAndGetsTheSameDatabaseAsPolarpipeRun() async throws {
        guard Self.airflow != nil else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
            return
        }
        let viaAirflow = try TemporaryWorkspace("airflow"), viaRun = try TemporaryWorkspace("airflow-reference")
        defer { viaAirflow.remove(); viaRun.remove() }
        let data = SyntheticData(users: 2, sessionsPerUser: 2, seed: 61, durationSeconds: 300)
        try data.write(to: viaAirflow.workspace.inbox)
        try data.write(to: viaRun.workspace.inbox)
        let reference = try SQLiteStore(path: viaRun.workspace.databaseFile.path)
        #expect(try await makeRunner(viaRun, reference).run(runID: "reference").outcome.state == .success)

        let home = try Self.home(for: viaAirflow.workspace, retries: 1)
        let migrate = try Self.airflowRun(["db", "migrate"], home: home)
        #expect(migrate.status == 0, "\(migrate.output.suffix(2000))")
        let test = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID], home: home)
        #expect(test.status == 0, "\(test.output.suffix(3000))")

        let store = try SQLiteStore(path: viaAirflow.workspace.databaseFile.path)
        #expect(try await DatabaseSnapshot.of(store) == DatabaseSnapshot.of(reference))
        let runs = try await store.runs(limit: 5)
        #expect(runs.count == 1 && runs.first?.state == .success && runs.first?.trigger == "task")
        let instances = try await store.taskInstances(runID: try #require(runs.first?.runID))
        #expect(Set(instances.map(\.taskID)).count == 10)
        #expect(instances.allSatisfy { $0.state == .success })
        #expect(viaAirflow.files(under: viaAirflow.workspace.processed).count == 4)
    }

    @Test func aFailingTaskIsRetriedByAirflowAndTheRunFails() async throws {
        guard Self.airflow != nil else { return }
        let tmp = try TemporaryWorkspace("airflow-failing")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 62, durationSeconds: 120).write(to: tmp.workspace.inbox)
        try Data("not a folder".utf8).write(to: tmp.workspace.reports)
        let home = try Self.home(for: tmp.workspace, retries: 1)
        #expect(try Self.airflowRun(["db", "migrate"], home: home).status == 0)
        let test = try Self.airflowRun(["dags", "test", TrainingPipeline.dagID], home: home)
        #expect(test.status != 0, "\(test.output.suffix(2000))")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let run = try #require(try await store.runs(limit: 1).first)
        #expect(run.state == .failed)
        let tries = try await store.taskInstances(runID: run.runID).filter { $0.taskID == "generate_reports" }
        #expect(tries.count == 2 && tries.allSatisfy { $0.state == .failed })  // Airflow's retry ran the task again
    }
}

import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport

/// `polarpipe airflow-dag` run by a real Apache Airflow 3 (`airflow dags test`), on each backend: every task is a
/// `polarpipe task` process, as on a worker. Runs when `AIRFLOW_BIN` names the `airflow` executable (`.ci/run`
/// installs apache-airflow 3.3.2 into a venv and sets it); under CI a missing Airflow is a failure.
@Suite(.serialized, .timeLimit(.minutes(10))) struct AirflowTests {
    static let airflow = ProcessInfo.processInfo.environment["AIRFLOW_BIN"]

    static func airflowRun(_ arguments: [String], home: URL) throws -> PolarPipeExecutable.Result {
        try PolarPipeExecutable.run(executable: URL(fileURLWithPath: airflow ?? "/bin/false"), arguments, environment: [
            "AIRFLOW_HOME": home.path,
            "AIRFLOW__CORE__DAGS_FOLDER": home.appendingPathComponent("dags").path,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        ])
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
        guard Self.airflow != nil else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
            return
        }
        try await withStore(backend, "airflow") { viaAirflow in
            try await withStore(backend, "airflow-reference") { viaRun in
                let data = SyntheticData(users: 2, sessionsPerUser: 2, seed: 61, durationSeconds: 300)
                try data.write(to: viaAirflow.tmp.workspace.inbox)
                try data.write(to: viaRun.tmp.workspace.inbox)
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
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.processed).count == 4)
            }
        }
    }

    @Test(arguments: Backend.available) func aFailingTaskIsRetriedByAirflowAndTheRunFails(_ backend: Backend) async throws {
        guard Self.airflow != nil else { return }
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
            #expect(tries.count == 2 && tries.allSatisfy { $0.state == .failed })  // Airflow's retry ran the task again
        }
    }
}

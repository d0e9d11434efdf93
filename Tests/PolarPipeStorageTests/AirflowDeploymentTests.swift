import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport

/// polarpipe's DAG on a real Airflow 3 deployment (`Benchmarks/airflow_deployment.sh`): api-server, scheduler and
/// dag-processor with the LocalExecutor against a PostgreSQL metadata database, the run started with
/// `airflow dags trigger`. Needs `AIRFLOW_BIN` (with psycopg2-binary and asyncpg in its venv) and `POSTGRES_URL`;
/// under CI both are there (`.ci/run`) and a missing one is a failure.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: TestEnvironment.runs(airflowBinary != nil && Backend.postgresServer != nil)))
struct AirflowDeploymentTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/airflow_deployment.sh")

    /// One task instance as Airflow's metadata database recorded it (a line of the script's report).
    struct AirflowInstance: Equatable, CustomStringConvertible {
        var taskID: String
        var mapIndex: Int
        var state: String
        var start: Double?
        var end: Double?

        /// Parses `task_id⇥map_index⇥state⇥try_number⇥start⇥end` (start and end empty for a task that never ran).
        init?(line: Substring) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, let mapIndex = Int(fields[1]) else { return nil }
            (taskID, self.mapIndex, state, start, end) = (fields[0], mapIndex, fields[2], Double(fields[4]), Double(fields[5]))
        }

        func overlaps(_ other: AirflowInstance) -> Bool {
            guard let start, let end, let otherStart = other.start, let otherEnd = other.end else { return false }
            return start < otherEnd && otherStart < end
        }

        var description: String { "\(taskID)[\(mapIndex)] \(state)" }
    }

    /// The pids of processes whose environment has `AIRFLOW_HOME=home` (what the deployment started), from /proc.
    static func processes(home: String) -> [Int32] {
        let needle = Data("AIRFLOW_HOME=\(home)\0".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environ.range(of: needle) != nil
        }
    }

    /// Runs the deployment script in a process group of its own; afterwards kills that group, whatever is left of it.
    static func deploy(_ arguments: [String], log: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [script.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POLARPIPE_") }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        kill(-process.processIdentifier, SIGKILL)
        return process.terminationStatus
    }

    @Test func aRealSchedulerWithTwoSlotsRunsFileShardsAtOnceToTheSameDatabaseAsPolarpipeRun() async throws {
        _ = try #require(airflowBinary, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        let server = try #require(Backend.postgresServer, "POSTGRES_URL is not set (.ci/run starts a server)")
        try await withStore(.postgres, "airflow-deployment") { viaAirflow in
            try await withStore(.postgres, "airflow-deployment-reference") { viaRun in
                // Three users of three sessions, at most three files a shard: at least three file shards.
                let data = SyntheticData(users: 3, sessionsPerUser: 3, seed: 66, durationSeconds: 900)
                try data.write(to: viaAirflow.tmp.workspace.inbox)
                try data.write(to: viaRun.tmp.workspace.inbox)
                try Data("[batch]\nshard_files = 3\n".utf8).write(to: viaAirflow.tmp.workspace.configurationFile)
                let files = viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.inbox).count
                #expect(try await viaRun.runner().run(runID: "reference").outcome.state == .success)

                let root = viaAirflow.tmp.workspace.root
                let home = root.appendingPathComponent("airflow-home").path
                let report = root.appendingPathComponent("task-instances.tsv")
                let log = root.appendingPathComponent("deployment.log")
                let started = Date()
                let status = try Self.deploy([
                    "--polarpipe", PolarPipeExecutable.url.path, "--workspace", root.path,
                    "--database", viaAirflow.databaseArgument, "--server", server, "--parallelism", "2",
                    "--report", report.path, "--home", home, "--timeout", "420",
                ], log: log)
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                print("airflow deployment, parallelism 2: \(String(format: "%.1f", Date().timeIntervalSince(started))) s\n\(output)")
                #expect(status == 0, "\(output.suffix(3000))")
                #expect(output.contains("run: success"))
                #expect(Self.processes(home: home).isEmpty, "the deployment left processes behind")
                #expect(!FileManager.default.fileExists(atPath: home), "the Airflow home is removed")

                let instances = (try? String(contentsOf: report, encoding: .utf8))?.split(separator: "\n")
                    .compactMap(AirflowInstance.init(line:)) ?? []
                let shards = Set(instances.filter { $0.taskID == "extract_user_data" && $0.state == "success" }.map(\.mapIndex))
                #expect(shards.count >= 3 && shards.allSatisfy { $0 >= 0 }, "\(instances)")
                #expect(instances.filter { $0.mapIndex < 0 }.map(\.taskID).sorted()
                        == ["cleanup_and_archive", "generate_reports", "update_global_statistics", "validate_json_files"])
                // Two worker slots: instances of different shards ran at the same time.
                let mapped = instances.filter { $0.mapIndex >= 0 && $0.state == "success" }
                let together = mapped.enumerated().flatMap { i, a in
                    mapped.dropFirst(i + 1).filter { $0.mapIndex != a.mapIndex && $0.overlaps(a) }.map { (a, $0) }
                }
                #expect(!together.isEmpty, "no two shards overlapped: \(instances)")

                #expect(try await StoreSnapshot.of(viaAirflow.store) == StoreSnapshot.of(viaRun.store))
                #expect(try await StoreSnapshot.files(viaAirflow.store) == StoreSnapshot.files(viaRun.store))
                let run = try #require(try await viaAirflow.store.runs(limit: 5).first)
                #expect(run.state == .success && run.trigger == "task")
                // polarpipe's own records name the same mapped instances as Airflow's.
                let recorded = try await viaAirflow.store.taskInstances(runID: run.runID)
                for task in ["extract_user_data", "load_gps_route_points", "update_user_statistics"] {
                    #expect(Set(recorded.filter { $0.taskID == task && $0.state == .success }.map(\.mapIndex))
                            == Set(instances.filter { $0.taskID == task && $0.state == "success" }.map(\.mapIndex)), "\(task)")
                }
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.processed).count == files)
                #expect(viaAirflow.tmp.files(under: viaAirflow.tmp.workspace.stagingRoot).isEmpty)
            }
        }
    }
}

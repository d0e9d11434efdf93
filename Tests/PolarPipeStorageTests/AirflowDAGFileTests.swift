import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport

/// The DAG file of `polarpipe airflow-dag` as Airflow 3.3.2 reads it: the venv's Python imports the rendered file and
/// reports what Airflow built from it (task ids, mapped groups, upstream ids, the commands and their environment), and
/// calls its shard-list function on outputs `validate_json_files` could print. Needs `AIRFLOW_BIN` like AirflowTests.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: TestEnvironment.runs(airflowBinary != nil)))
struct AirflowDAGFileTests {
    /// The Python beside the `airflow` executable (the venv's).
    static func python() throws -> URL {
        let airflow = try #require(airflowBinary, "CI must install Airflow and set AIRFLOW_BIN (.ci/run does)")
        return URL(fileURLWithPath: airflow).deletingLastPathComponent().appendingPathComponent("python")
    }

    /// Renders `dag`, then runs `script` with the venv's Python as `script <dag file>` and decodes its JSON output.
    static func inspect<T: Decodable>(_ dag: AirflowDAG, _ script: String, as type: T.Type,
                                      environment: [String: String] = [:]) throws -> T {
        let tmp = try TemporaryWorkspace("airflow-dag-file")
        defer { tmp.remove() }
        let file = tmp.workspace.root.appendingPathComponent("training_data_pipeline.py")
        try Data(try dag.render().utf8).write(to: file)
        let result = try PolarPipeExecutable.run(
            executable: try python(), ["-c", script, file.path],
            environment: ["AIRFLOW_HOME": tmp.workspace.root.appendingPathComponent("airflow-home").path,
                          "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__UNIT_TEST_MODE": "False"]
                .merging(environment) { $1 })
        try #require(result.status == 0, "\(result.output.suffix(3000))")
        let json = try #require(result.output.split(separator: "\n").last, "no output")
        return try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    /// Loads the DAG file given as argv[1] the way Airflow's DAG processor does (a module import).
    static let load = """
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location("polarpipe_dag", sys.argv[1])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

        """

    struct Task: Decodable, Equatable {
        var group: String?
        var upstream: [String]
        var triggerRule: String
        var weightRule: String
        var retries: Int
        var command: String
        var env: [String: String]
        var skipOnExitCode: [Int]
        var xcom: Bool
    }

    struct Parsed: Decodable {
        var dagID: String
        var schedule: String?
        var workspace: String
        var binary: String
        var tasks: [String: Task]
        var order: [String]
    }

    static let describe = load + """
        dag = module.dag
        def task(t):
            group = t.get_closest_mapped_task_group()
            skip = t.skip_on_exit_code
            return {"group": group.group_id if group else None, "upstream": sorted(t.upstream_task_ids),
                    "triggerRule": getattr(t.trigger_rule, "value", t.trigger_rule),
                    "weightRule": getattr(t.weight_rule, "value", t.weight_rule),
                    "retries": t.retries, "command": t.bash_command,
                    "env": {k: (v if isinstance(v, str) else type(v).__name__) for k, v in t.env.items()},
                    "skipOnExitCode": list(skip) if isinstance(skip, (list, tuple)) else [skip], "xcom": t.do_xcom_push}
        print(json.dumps({"dagID": dag.dag_id, "schedule": None if dag.schedule is None else str(dag.schedule),
                          "workspace": module.WORKSPACE, "binary": module.POLARPIPE,
                          "tasks": {t.task_id: task(t) for t in dag.tasks}, "order": [t.task_id for t in dag.topological_sort()]}))
        """

    @Test func theTenTaskIdsKeepTheGraphsDependenciesWithThePerShardTasksInMappedGroups() throws {
        let parsed = try Self.inspect(AirflowDAG(binary: "/opt/polarpipe/bin/polarpipe", workspace: "/data/polar pipe"),
                                      Self.describe, as: Parsed.self)
        let graph = try TrainingPipeline.graph()
        #expect(parsed.dagID == "training_data_pipeline")
        #expect(parsed.schedule == "0 2 * * *")
        #expect(Set(parsed.tasks.keys) == Set(graph.tasks.map(\.id)), "no group prefix, no extra task")
        #expect(parsed.order.first == "validate_json_files" && parsed.order.last == "cleanup_and_archive")
        let fileShards = ["extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples", "load_gps_route_points",
                          "calculate_exercise_statistics"]
        for task in graph.tasks {
            let t = try #require(parsed.tasks[task.id])
            let group: String? = fileShards.contains(task.id) ? "file_shards" : task.id == "update_user_statistics" ? "user_shards" : nil
            #expect(t.group == group, "\(task.id)")
            // A mapped group reads the shard list, which makes validate_json_files upstream of each of its tasks.
            let upstream = Set(task.dependsOn).union(group == nil ? [] : ["validate_json_files"])
            #expect(Set(t.upstream) == upstream, "\(task.id)")
            #expect(t.triggerRule == "none_failed" && t.weightRule == "upstream" && t.retries == 3, "\(task.id)")
            #expect(t.skipOnExitCode == [99], "\(task.id)")
            #expect(t.xcom == (task.id == "validate_json_files"), "only the shard source pushes its output")
            let prefix = "/opt/polarpipe/bin/polarpipe task \(task.id) --workspace '/data/polar pipe'"
            #expect(t.command == prefix + (group == nil ? "" : " --map-index \"$MAP_INDEX\""), "\(task.id)")
            #expect(t.env["RUN_ID"] == "{{ run_id }}" && t.env["TRY_NUMBER"] == "{{ ti.try_number }}"
                    && t.env["MAX_TRIES"] == "{{ ti.max_tries }}", "\(task.id)")
            // The map index comes from the group's argument (the expanded shard list), not from a template.
            #expect(t.env["MAP_INDEX"] == (group == nil ? nil : "MappedArgument"), "\(task.id)")
        }
    }

    @Test func hostileStringsStayDataAndScheduleNoneMakesATriggeredOnlyDAG() throws {
        let workspace = "/data/it's \"odd\"\n$(touch /tmp/pwned) `id` \\ {{ run_id }}"
        let dag = AirflowDAG(binary: "/usr/bin/polar pipe", workspace: workspace,
                             databaseURL: "postgres://u:p'w@db/x?sslmode=require", schedule: nil, retries: 0)
        let parsed = try Self.inspect(dag, Self.describe, as: Parsed.self)
        #expect(parsed.workspace == workspace && parsed.binary == "/usr/bin/polar pipe")
        #expect(parsed.schedule == nil)
        let validate = try #require(parsed.tasks["validate_json_files"])
        #expect(validate.retries == 0)
        #expect(validate.command == "'/usr/bin/polar pipe' task validate_json_files --workspace '/data/it'\"'\"'s \"odd\"\n"
                + "$(touch /tmp/pwned) `id` \\ {{ run_id }}' --database 'postgres://u:p'\"'\"'w@db/x?sslmode=require'")
    }

    struct Expansion: Decodable, Equatable {
        var items: Int?
        var files: [String?]
        var users: [String?]
        var error: String?
    }

    /// Outputs `validate_json_files` could print, and the expansion each gives (nil items: the task fails).
    static let outputs: [(String, Expansion)] = [
        ("progress line\n{\"file_shards\":3,\"files\":130,\"quarantined\":2,\"user_shards\":1,\"valid\":128}\n",
         Expansion(items: 3, files: ["0", "1", "2"], users: ["0", nil, nil], error: nil)),
        ("{\"file_shards\":1,\"user_shards\":2}", Expansion(items: 2, files: ["0", nil], users: ["0", "1"], error: nil)),
        ("{\"file_shards\":0,\"files\":2,\"user_shards\":0}", Expansion(items: 0, files: [], users: [], error: nil)),
        ("{\"file_shards\":-1,\"user_shards\":0}", Expansion(items: nil, files: [], users: [], error: "file_shards=-1")),
        ("{\"file_shards\":2000000000,\"user_shards\":1}", Expansion(items: nil, files: [], users: [], error: "file_shards=2000000000")),
        ("{\"file_shards\":\"3\",\"user_shards\":1}", Expansion(items: nil, files: [], users: [], error: "file_shards='3'")),
        ("{\"file_shards\":2}", Expansion(items: nil, files: [], users: [], error: "user_shards=None")),
        ("[3, 1]", Expansion(items: nil, files: [], users: [], error: "did not print its counts")),
        ("done\n", Expansion(items: nil, files: [], users: [], error: "Expecting value")),
        ("", Expansion(items: nil, files: [], users: [], error: "did not print its counts")),
    ]

    @Test func theShardListHasOneItemPerMapIndexAndEachGroupSkipsIndexesPastItsCount() throws {
        let script = Self.load + """
            import os
            def index(f, item):
                try:
                    return f(item)
                except module.AirflowSkipException:
                    return None
            def expansion(output):
                try:
                    items = module.shard_list(output)
                    return {"items": len(items), "files": [index(module.file_shards_index, i) for i in items],
                            "users": [index(module.user_shards_index, i) for i in items]}
                except ValueError as e:
                    return {"files": [], "users": [], "error": str(e)}
            print(json.dumps([expansion(output) for output in json.loads(os.environ["VALIDATE_OUTPUTS"])]))
            """
        let outputs = String(decoding: try JSONEncoder().encode(Self.outputs.map(\.0)), as: UTF8.self)
        let got = try Self.inspect(AirflowDAG(binary: "/bin/polarpipe", workspace: "/w"), script, as: [Expansion].self,
                                   environment: ["VALIDATE_OUTPUTS": outputs])
        try #require(got.count == Self.outputs.count)
        for ((output, expected), got) in zip(Self.outputs, got) {
            #expect(got.items == expected.items && got.files == expected.files && got.users == expected.users, "\(output)")
            if let error = expected.error {
                #expect(got.error?.contains(error) == true, "\(output): \(got.error ?? "no error")")
            } else {
                #expect(got.error == nil, "\(output)")
            }
        }
    }
}

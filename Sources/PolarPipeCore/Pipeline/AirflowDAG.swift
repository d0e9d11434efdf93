/// Renders the Airflow 3 DAG file for `polarpipe airflow-dag` (SPEC §9): the same ten task ids and dependencies, each
/// a `BashOperator` running `polarpipe task <id>` with the run id in the environment (`RUN_ID: "{{ run_id }}"`, never
/// in the command line), exit code 99 → skipped, retries 3 × 5 min, `schedule="0 2 * * *"` (or none: triggered
/// runs only), `catchup=False`, `max_active_runs=1`, and a failure callback that sends polarpipe's alert.
///
/// The per-file tasks are a mapped task group expanded over the file shards `validate_json_files` reports (the last
/// line of its output), `update_user_statistics` a mapped group over the user shards; each instance runs
/// `polarpipe task <id> --map-index "$MAP_INDEX"` with its index in the environment. Airflow records one map length per
/// task, so both groups expand over one list as long as the larger count; an index past a group's own count is skipped
/// without starting a process. The group ids are not part of the task ids (`prefix_group_id=False`). Instance k of a
/// group's task waits only for instance k before it, and tasks are weighted by their upstream depth
/// (`weight_rule="upstream"`), so among ready instances the scheduler prefers a started shard's next task to a new
/// shard's first one (mostly depth-first: one already queued still goes first).
///
/// Every task has `trigger_rule="none_failed"`: a task with nothing to do (99, skipped) does not skip the tasks after
/// it, as in the embedded runner, so `cleanup_and_archive` always runs and ends the run (an empty inbox, only
/// duplicates, only quarantined files; with no shard the mapped tasks expand to nothing and are skipped). Each try is
/// told its number and Airflow's `max_tries`, so a failure with retries left keeps the run open and its lease held
/// through the retry delay.
public struct AirflowDAG: Sendable {
    public var binary: String
    public var workspace: String
    public var databaseURL: String?
    /// A cron expression, or nil for a DAG that runs only when triggered (`airflow dags trigger`).
    public var schedule: String?
    public var retries: Int
    public var retryDelaySeconds: Double

    public init(binary: String, workspace: String, databaseURL: String? = nil, schedule: String? = "0 2 * * *",
                retries: Int = 3, retryDelaySeconds: Double = 300) {
        self.binary = binary
        self.workspace = workspace
        self.databaseURL = databaseURL
        self.schedule = schedule
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
    }

    /// A Python string literal.
    static func python(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// The DAG file. Throws when the graph is not valid, or when a mapped task's count does not come from the one
    /// task that produces shard counts (the DAG expands every mapped group over that task's output).
    public func render() throws(TaskGraphError) -> String {
        let graph = try TrainingPipeline.graph()
        let source = graph.tasks.first { !$0.produces.isEmpty }
        let mappings = TaskMapping.allCases.filter { mapping in mapping != .none && graph.tasks.contains { $0.mapping == mapping } }
        for task in graph.tasks where task.isMapped {
            guard let source, !source.isMapped, source.produces.contains(task.mapping) else {
                throw .noProducer(task: task.id, mapping: task.mapping.rawValue)
            }
        }
        let py = AirflowDAG.python
        var lines: [String] = []
        for task in graph.tasks where !task.isMapped {
            let extra = task.id == source?.id && !mappings.isEmpty ? ", do_xcom_push=True, output_processor=shard_list" : ""
            lines.append("tasks[\(py(task.id))] = polarpipe_task(\(py(task.id))\(extra))")
        }
        for mapping in mappings {
            let group = mapping.rawValue
            lines += ["", "@task_group(group_id=\(py(group)), prefix_group_id=False)", "def \(group)(map_index):"]
            lines += graph.tasks.filter { $0.mapping == mapping }.map { "    tasks[\(py($0.id))] = polarpipe_task(\(py($0.id)), map_index)" }
            lines += ["", "\(group).expand(map_index=tasks[\(py(source?.id ?? ""))].output.map(\(group)_index))"]
        }
        lines.append("")
        for task in graph.tasks {
            for dep in task.dependsOn { lines.append("tasks[\(py(dep))] >> tasks[\(py(task.id))]") }
        }
        return Self.preamble(dagID: graph.id) + settings(mappings: mappings) + Self.helpers
            + mappings.map(Self.mapFunction).joined() + Self.taskFactory + dag(id: graph.id)
            + lines.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "\n"
    }

    /// The module docstring and imports.
    static func preamble(dagID: String) -> String {
        """
        # Generated by `polarpipe airflow-dag`: the \(dagID) DAG for Apache Airflow 3.
        # Each task runs `polarpipe task <task_id>` on a worker; the run id comes from Airflow in the RUN_ID environment
        # variable, a mapped instance's shard in MAP_INDEX. Workers share the workspace volume and the database.
        import datetime
        import json
        import shlex
        import subprocess

        from airflow.providers.standard.operators.bash import BashOperator
        from airflow.sdk import DAG, task_group
        from airflow.sdk.exceptions import AirflowSkipException


        """
    }

    /// The deployment's settings, and the counts of the shard source's output that the mapped groups expand over.
    func settings(mappings: [TaskMapping]) -> String {
        """
        POLARPIPE = \(AirflowDAG.python(binary))
        WORKSPACE = \(AirflowDAG.python(workspace))
        DATABASE = \(AirflowDAG.python(databaseURL ?? ""))  # empty: the workspace's SQLite file
        # Airflow's [core] max_map_length: a longer shard list could not be expanded.
        MAX_SHARDS = 1024
        MAPPINGS = (\(mappings.map { AirflowDAG.python($0.rawValue) + "," }.joined(separator: " ")))

        COMMON = ["--workspace", WORKSPACE] + (["--database", DATABASE] if DATABASE else [])


        """
    }

    /// The failure callback and the shard list.
    static let helpers = """
        def send_polarpipe_alert(context):
            \"\"\"Failure callback: polarpipe sends its configured alert (webhook and/or command) for this run.\"\"\"
            subprocess.run([POLARPIPE, "alert", "--run-id", context["run_id"]] + COMMON, check=False)


        def shard_list(output):
            \"\"\"The shard source's output, whose last line is its counts as JSON: one item per map index up to the
            largest of the MAPPINGS counts, saying which of the mapped groups has a shard there.\"\"\"
            lines = output.strip().splitlines()
            counts = json.loads(lines[-1]) if lines else None
            if not isinstance(counts, dict):
                raise ValueError("the shard source did not print its counts: %r" % output[-200:])
            for name in MAPPINGS:
                n = counts.get(name)
                if type(n) is not int or not 0 <= n <= MAX_SHARDS:
                    raise ValueError("the shard source printed %s=%r, not a count from 0 to %d" % (name, n, MAX_SHARDS))
            length = max([counts[name] for name in MAPPINGS] + [0])
            return [dict({"index": k}, **{name: k < counts[name] for name in MAPPINGS}) for k in range(length)]



        """

    /// The map function of `mapping`'s group: the item's index, or a skip past that mapping's count.
    static func mapFunction(_ mapping: TaskMapping) -> String {
        """
        def \(mapping.rawValue)_index(item):
            \"\"\"The map index of a \(mapping.rawValue) instance; an index past the \(mapping.rawValue) count is skipped.\"\"\"
            if not item[\(python(mapping.rawValue))]:
                raise AirflowSkipException("no \(mapping.rawValue) shard at this map index")
            return str(item["index"])



        """
    }

    /// The task factory.
    static let taskFactory = """
        def polarpipe_task(task_id, map_index=None, **kwargs):
            \"\"\"`polarpipe task <task_id>`; with a map index (a mapped group's argument) `--map-index "$MAP_INDEX"`.\"\"\"
            env = {"RUN_ID": "{{ run_id }}", "TRY_NUMBER": "{{ ti.try_number }}", "MAX_TRIES": "{{ ti.max_tries }}"}
            command = " ".join(shlex.quote(part) for part in [POLARPIPE, "task", task_id] + COMMON)
            if map_index is not None:
                env["MAP_INDEX"] = map_index
                command += ' --map-index "$MAP_INDEX"'
            kwargs.setdefault("do_xcom_push", False)
            return BashOperator(task_id=task_id, bash_command=command, env=env, append_env=True, skip_on_exit_code=99,
                                trigger_rule="none_failed", **kwargs)



        """

    /// The DAG's own arguments, up to its body.
    func dag(id: String) -> String {
        """
        with DAG(
            dag_id=\(AirflowDAG.python(id)),
            schedule=\(schedule.map(AirflowDAG.python) ?? "None"),
            start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
            catchup=False,
            max_active_runs=1,
            default_args={
                "retries": \(retries),
                "retry_delay": datetime.timedelta(seconds=\(Int(retryDelaySeconds))),
                "depends_on_past": False,
                "weight_rule": "upstream",
                "on_failure_callback": send_polarpipe_alert,
            },
            tags=["polarpipe"],
        ) as dag:
            tasks = {}

        """
    }
}

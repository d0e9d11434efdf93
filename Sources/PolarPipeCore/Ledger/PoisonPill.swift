/// A file or a task that kills its process must not stall ingestion for everyone.
///
/// - Per file, in `validate_json_files`: a file's ledger row counts the deaths it was in flight for (`attempts`: +1
///   before it is decoded, −1 when the try throws instead of dying). A file that was in flight once is decoded alone
///   on the next try; a file in flight for `fileDeaths` deaths is quarantined with reason `internal-error`, and the
///   other files go on.
/// - Per file, in the mapped per-file tasks (`isolatedTasks`): an instance whose process died while it worked on its
///   whole shard works on the shard's files one at a time on its next tries (`FileIsolation`), each counted in
///   flight the same way and alone in the process. That first death counts for every file of the shard, so a file
///   that was in flight alone for one more death has been in flight for `fileDeaths` deaths: it is quarantined with
///   reason `internal-error` (its exercises removed first), and the rest of the shard and the run go on.
/// - Per task: a run whose process died in the same task instance `taskDeaths` times (a try left `running` by a dead
///   process is recorded as failed with the error `died` when the run is picked up again) is not resumed again: it
///   is marked failed with an alert and a `runs show` entry, and new files flow in the next run. The tasks that set
///   the file they died on aside get one more death first.
public enum PoisonPill {
    public static let fileDeaths = 2

    /// The mapped tasks that work file by file on their shard and isolate files after a death.
    public static let isolatedTasks: Set<String> = [
        "extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples", "load_gps_route_points", "calculate_exercise_statistics",
    ]

    public static func taskDeaths(_ taskID: String) -> Int {
        taskID == "validate_json_files" || isolatedTasks.contains(taskID) ? 3 : 2
    }

    /// Whether a file worked on alone in a mapped per-file task (after its shard's death) has now been in flight for
    /// `fileDeaths` deaths, counting that shard's death.
    public static func killedItsShard(_ file: FileRecord) -> Bool { 1 + file.attempts >= fileDeaths }

    static func diagnostic(_ attempts: Int) -> Diagnostic {
        .error("internal-error", "polarpipe's process died \(attempts) times while reading this file; it was set aside so other files go on")
    }

    /// The reason of a file set aside by a mapped per-file task.
    static func diagnostic(task taskID: String, attempts: Int) -> Diagnostic {
        .error("internal-error", "polarpipe's process died \(attempts) times while \(taskID) worked on this file; "
               + "its exercises were removed and it was set aside so other files go on")
    }

    /// The error of a try whose process died while it ran (recorded when the run is next picked up).
    public static let died = "the process running this try died (killed or crashed)"

    /// The task instance whose tries died `taskDeaths` times in `instances` (one run's task instances), if any. A
    /// death kills every instance the process ran at once, so deaths count per instance, not per task.
    public static func deadTask(_ instances: [TaskInstanceRecord]) -> (instance: TaskInstanceKey, deaths: Int)? {
        let deaths = Dictionary(grouping: instances.filter { $0.error == PoisonPill.died }, by: \.key)
        return deaths.map { ($0.key, $0.value.count) }
            .filter { $0.1 >= taskDeaths($0.0.taskID) }
            .min { $0.0 < $1.0 }
    }
}

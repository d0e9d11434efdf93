/// A file or a task that kills its process must not stall ingestion for everyone.
///
/// - Per file: a file's ledger row counts the deaths it was in flight for (`attempts`: +1 before it is decoded, −1
///   when the try throws instead of dying). A file that was in flight once is decoded alone on the next try; a file in
///   flight for `fileDeaths` deaths is quarantined with reason `internal-error`, and the other files go on.
/// - Per task: a run whose process died in the same task `taskDeaths` times (a try left `running` by a dead process
///   is recorded as failed with the error `died` when the run is picked up again) is not resumed again: it is marked failed with an alert and a `runs show` entry, and new files flow in the next
///   run. `validate_json_files` gets one more, since it isolates files first.
public enum PoisonPill {
    public static let fileDeaths = 2

    public static func taskDeaths(_ taskID: String) -> Int { taskID == "validate_json_files" ? 3 : 2 }

    static func diagnostic(_ attempts: Int) -> Diagnostic {
        .error("internal-error", "polarpipe's process died \(attempts) times while reading this file; it was set aside so other files go on")
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

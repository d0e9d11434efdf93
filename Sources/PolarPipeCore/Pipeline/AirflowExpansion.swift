/// What Airflow expands a task over in the DAG of `polarpipe airflow-dag`: nothing (one instance), the file shards
/// or the user shards that `validate_json_files` cut the batch into (one instance per shard, map index 0, 1, …).
///
/// The tasks of one expansion form one mapped task group, so instance k of a task depends only on instance k of the
/// tasks before it in the same group (depth-first: shard 0 can be loaded while shard 1 is still being decoded); a task
/// after a group waits for all of its instances.
enum AirflowExpansion: String, Sendable, CaseIterable {
    case none
    case fileShards = "file_shards"
    case userShards = "user_shards"

    /// The task whose output says how many shards there are (the last line of its standard output, a JSON object with
    /// `file_shards` and `user_shards`).
    static let shardSource = "validate_json_files"

    /// The expansion of `taskID`: the per-file work maps over file shards, per-user statistics over user shards, the
    /// first task and the reduce tasks are single instances.
    static func of(_ taskID: String) -> AirflowExpansion {
        switch taskID {
        case "extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples", "load_gps_route_points",
             "calculate_exercise_statistics":
            return .fileShards
        case "update_user_statistics":
            return .userShards
        default:
            return .none
        }
    }

    /// The Python map function (in the DAG file) that turns one item of the shard list into this expansion's map index.
    var mapFunction: String { "\(rawValue)_index" }
}

/// The `training_data_pipeline` DAG (SPEC §2): ten tasks, the two load tasks in parallel.
///
/// ```
/// validate_json_files → extract_user_data → extract_exercise_metadata
///   → { load_heart_rate_samples ∥ load_gps_route_points } → calculate_exercise_statistics
///   → update_user_statistics → update_global_statistics → generate_reports → cleanup_and_archive
/// ```
///
/// `validate_json_files` claims the batch and cuts it into file shards and user shards (`Shards`). The per-file
/// work, from `extract_user_data` to `calculate_exercise_statistics`, is mapped over the file shards: instance k of
/// each works on shard k only, and waits only for instance k before it. `update_user_statistics` is mapped over
/// the user shards, after every exercise's statistics; the global row, the reports and the cleanup run once.
public enum TrainingPipeline {
    public static let dagID = "training_data_pipeline"

    public static func graph() throws(TaskGraphError) -> TaskGraph<PipelineContext> {
        func task(_ id: String, _ dependsOn: [String] = [], mapping: TaskMapping = .none, produces: [TaskMapping] = [],
                  _ body: @escaping @Sendable (PipelineContext) async throws -> TaskOutput) -> PipelineTask<PipelineContext> {
            PipelineTask(id, dependsOn: dependsOn, mapping: mapping, produces: produces) { ctx, invocation in
                // The per-file tasks set aside a file that kills their process (`PoisonPill`).
                PoisonPill.isolatedTasks.contains(id)
                    ? try await FileIsolation.run(id, ctx.invoked(invocation), body)
                    : try await body(ctx.invoked(invocation))
            }
        }
        return try TaskGraph(dagID, [
            task("validate_json_files", produces: [.fileShards, .userShards]) { try await ValidateJSONFiles.run($0) },
            task("extract_user_data", ["validate_json_files"], mapping: .fileShards) { try await ExtractUserData.run($0) },
            task("extract_exercise_metadata", ["extract_user_data"], mapping: .fileShards) { try await ExtractExerciseMetadata.run($0) },
            task("load_heart_rate_samples", ["extract_exercise_metadata"], mapping: .fileShards) { try await LoadSamples.heartRate($0) },
            task("load_gps_route_points", ["extract_exercise_metadata"], mapping: .fileShards) { try await LoadSamples.route($0) },
            task("calculate_exercise_statistics", ["load_heart_rate_samples", "load_gps_route_points"], mapping: .fileShards) {
                try await CalculateStatistics.exercises($0)
            },
            task("update_user_statistics", ["calculate_exercise_statistics"], mapping: .userShards) { try await CalculateStatistics.users($0) },
            task("update_global_statistics", ["update_user_statistics"]) { try await CalculateStatistics.global($0) },
            task("generate_reports", ["update_global_statistics"]) { try await GenerateReports.run($0) },
            task("cleanup_and_archive", ["generate_reports"]) { try await CleanupAndArchive.run($0) },
        ])
    }
}

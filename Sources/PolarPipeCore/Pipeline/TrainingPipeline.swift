/// The `training_data_pipeline` DAG (SPEC §2): ten tasks, the two load tasks in parallel.
///
/// ```
/// validate_json_files → extract_user_data → extract_exercise_metadata
///   → { load_heart_rate_samples ∥ load_gps_route_points } → calculate_exercise_statistics
///   → update_user_statistics → update_global_statistics → generate_reports → cleanup_and_archive
/// ```
public enum TrainingPipeline {
    public static let dagID = "training_data_pipeline"

    public static func graph() throws(TaskGraphError) -> TaskGraph<PipelineContext> {
        try TaskGraph(dagID, [
            PipelineTask("validate_json_files") { try await ValidateJSONFiles.run($0) },
            PipelineTask("extract_user_data", dependsOn: ["validate_json_files"]) { try await ExtractUserData.run($0) },
            PipelineTask("extract_exercise_metadata", dependsOn: ["extract_user_data"]) { try await ExtractExerciseMetadata.run($0) },
            PipelineTask("load_heart_rate_samples", dependsOn: ["extract_exercise_metadata"]) { try await LoadSamples.heartRate($0) },
            PipelineTask("load_gps_route_points", dependsOn: ["extract_exercise_metadata"]) { try await LoadSamples.route($0) },
            PipelineTask("calculate_exercise_statistics", dependsOn: ["load_heart_rate_samples", "load_gps_route_points"]) {
                try await CalculateStatistics.exercises($0)
            },
            PipelineTask("update_user_statistics", dependsOn: ["calculate_exercise_statistics"]) { try await CalculateStatistics.users($0) },
            PipelineTask("update_global_statistics", dependsOn: ["update_user_statistics"]) { try await CalculateStatistics.global($0) },
            PipelineTask("generate_reports", dependsOn: ["update_global_statistics"]) { try await GenerateReports.run($0) },
            PipelineTask("cleanup_and_archive", dependsOn: ["generate_reports"]) { try await CleanupAndArchive.run($0) },
        ])
    }
}

/// `extract_exercise_metadata`: one `exercises` row per exercise of each valid file (raw JSON without samples),
/// skipping exercises already loaded from another file (same user and sport, UTC start within ±2 s). A file
/// whose every exercise is such a duplicate is recorded as `duplicate`. Output: exercise ids.
enum ExtractExerciseMetadata {
    /// Files per store call (one transaction each).
    static let chunkSize = 32

    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let files = try await ctx.store.files(runID: ctx.runID)
            .filter { ($0.status == .pending || $0.status == .loaded) && $0.stagedPath != nil }
        guard !files.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        var inserted = 0
        var duplicates = 0
        for start in stride(from: 0, to: files.count, by: chunkSize) {
            try Task.checkCancellation()
            let workspace = ctx.workspace
            let chunk = try await Array(files[start ..< min(start + chunkSize, files.count)]).concurrentMap { file in
                guard let staged = file.stagedPath, let userID = file.userID else {
                    throw PipelineError.missingInput("file \(file.originalPath) has no staged session or user")
                }
                // The whole session: the other channels (speed, altitude, distance) are stored with the exercise.
                let session = try StagedSession.read(workspace.url(staged))
                return FileExercises(fileID: file.id, userID: userID, layout: session.layout, exercises: session.exercises.enumerated().map {
                    NewExercise(index: $0.offset, exercise: $0.element, deviceID: session.deviceID, physical: session.physical)
                })
            }
            for result in try await ctx.store.recordExercises(runID: ctx.runID, toleranceMillis: ctx.configuration.duplicateToleranceMillis, chunk) {
                inserted += result.ids.count
                duplicates += result.duplicates
            }
        }
        return TaskOutput(["exercises": inserted, "duplicate_exercises": duplicates])
    }
}

public enum PipelineError: Error, CustomStringConvertible {
    case missingInput(String)
    case anotherRunActive(runID: String, since: Int64)
    case unknownRun(String)

    public var description: String {
        switch self {
        case .missingInput(let what): return "missing input: \(what)"
        case .anotherRunActive(let runID, let since):
            return "another run (\(runID)) has been active since \(PolarTime.formatUTC(millis: since)); only one run at a time"
        case .unknownRun(let id): return "no run with id \(id)"
        }
    }
}

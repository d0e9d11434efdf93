/// `extract_exercise_metadata`: one `exercises` row per exercise of each valid file (raw JSON without samples),
/// skipping exercises already loaded from another file (same user and sport, UTC start within ±2 s). A file
/// whose every exercise is such a duplicate is recorded as `duplicate`. Output: exercise ids.
enum ExtractExerciseMetadata {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let files = try await ctx.store.files(runID: ctx.runID)
            .filter { ($0.status == .pending || $0.status == .loaded) && $0.stagedPath != nil }
        guard !files.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        var inserted = 0
        var duplicates = 0
        for file in files {
            try Task.checkCancellation()
            guard let staged = file.stagedPath, let userID = file.userID else {
                throw PipelineError.missingInput("file \(file.originalPath) has no staged session or user")
            }
            // The whole session: the other channels (speed, altitude, distance) are stored with the exercise.
            let session = try StagedSession.read(ctx.workspace.url(staged))
            var fresh: [NewExercise] = []
            for (index, exercise) in session.exercises.enumerated() {
                let duplicate = try await ctx.store.duplicateExercise(
                    userID: userID, startUTCMillis: exercise.startUTCMillis, sport: exercise.sport,
                    toleranceMillis: ctx.configuration.duplicateToleranceMillis, excludingFileID: file.id)
                if duplicate != nil {
                    duplicates += 1
                } else {
                    fresh.append(NewExercise(index: index, exercise: exercise, deviceID: session.deviceID, physical: session.physical))
                }
            }
            let ids = try await ctx.store.replaceExercises(fileID: file.id, runID: ctx.runID, userID: userID,
                                                           layout: session.layout, fresh)
            inserted += ids.count
            if fresh.isEmpty {
                try await ctx.store.updateFile(id: file.id, status: .duplicate, path: file.path, reason: "duplicate-exercise")
            } else {
                try await ctx.store.updateFile(id: file.id, status: .loaded, path: file.path, reason: nil)
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

/// `extract_exercise_metadata`: one `exercises` row per exercise of each valid file (raw JSON without samples),
/// skipping exercises already loaded from another file (`DuplicateExercise`: same user and sport, UTC start within
/// ±2 s; across formats a wider, documented match), and replacing a stored copy by a richer one. A file whose every
/// exercise is such a duplicate becomes `duplicate` (`duplicate-exercise`); the others `loaded`.
/// Output: the counts of exercises stored, skipped as duplicates and replaced. Mapped over file shards; instances
/// of one user's shards may run at once, since the stores apply the duplicate rule under a lock per user.
enum ExtractExerciseMetadata {
    /// Files per store call (one transaction each).
    static let chunkSize = 32

    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let files = try await ctx.shardFiles()
            .filter { ($0.state == .validated || $0.state == .loaded || $0.reason == "duplicate-exercise") && $0.stagedPath != nil }
        guard !files.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        var inserted = 0
        var duplicates = 0
        var replaced = 0
        for start in stride(from: 0, to: files.count, by: chunkSize) {
            try Task.checkCancellation()
            let chunk = try await Array(files[start ..< min(start + chunkSize, files.count)]).concurrentMap { file in
                guard let userID = file.userID else {
                    throw PipelineError.missingInput("file \(file.displayName) has no user")
                }
                // The whole session: the other channels (speed, altitude, distance) are stored with the exercise.
                let session = try StagedSession.read(try Restage.session(file, ctx: ctx))
                return FileExercises(fileID: file.id, userID: userID, layout: session.layout, exercises: session.exercises.enumerated().map {
                    NewExercise(index: $0.offset, exercise: $0.element, deviceID: session.deviceID, physical: session.physical)
                })
            }
            let results = try await ctx.store.recordExercises(runID: ctx.runID, toleranceMillis: ctx.configuration.duplicateToleranceMillis, chunk)
            var updates: [FileUpdate] = []
            for (file, result) in zip(chunk, results) {
                inserted += result.ids.count
                duplicates += result.duplicates
                replaced += result.replaced
                updates.append(result.ids.isEmpty
                    ? FileUpdate(id: file.fileID, state: .duplicate, reason: .some("duplicate-exercise"))
                    : FileUpdate(id: file.fileID, state: .loaded, reason: .some(result.replaced > 0
                        ? "\(ImportReport.richerCopyReason): replaced \(result.replaced) exercise(s) of a poorer copy" : nil)))
            }
            try await ctx.store.updateFiles(updates)
        }
        return TaskOutput(["exercises": inserted, "duplicate_exercises": duplicates, "replaced_exercises": replaced])
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

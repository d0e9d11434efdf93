/// `load_heart_rate_samples` and `load_gps_route_points`: read each exercise's staged samples, keep the valid ones
/// (SPEC §2 ranges), count the rest as rejected, and batch insert, one transaction per chunk of exercises.
/// Both tasks run in parallel; each replaces its rows, so a retry gives the same database. Mapped over file shards.
enum LoadSamples {
    static func heartRate(_ ctx: PipelineContext) async throws -> TaskOutput {
        var loaded = 0
        var rejected = 0
        let exercises = try await ctx.shardExercises()
        guard !exercises.isEmpty else { return TaskOutput(["samples": 0], nothingToDo: true) }
        try await forEachChunk(ctx, exercises) { chunk in
            let batch = chunk.map { exercise, samples in
                let valid = SampleFilters.validHeartRate(samples.heartRate)
                loaded += valid.count
                rejected += samples.heartRate.count - valid.count
                return (exerciseID: exercise.id, samples: valid, rejected: samples.heartRate.count - valid.count)
            }
            try await ctx.store.replaceHeartRateSamples(batch)
        }
        return TaskOutput(["exercises": exercises.count, "samples": loaded, "rejected": rejected])
    }

    static func route(_ ctx: PipelineContext) async throws -> TaskOutput {
        var loaded = 0
        var rejected = 0
        let exercises = try await ctx.shardExercises()
        guard !exercises.isEmpty else { return TaskOutput(["points": 0], nothingToDo: true) }
        try await forEachChunk(ctx, exercises) { chunk in
            let batch = chunk.map { exercise, samples in
                let valid = SampleFilters.validRoute(samples.route)
                loaded += valid.count
                rejected += samples.route.count - valid.count
                return (exerciseID: exercise.id, route: valid, rejected: samples.route.count - valid.count)
            }
            try await ctx.store.replaceRoutePoints(batch)
        }
        return TaskOutput(["exercises": exercises.count, "points": loaded, "rejected": rejected])
    }

    /// Calls `body` with chunks of (exercise, staged samples), reading each staged file once.
    static func forEachChunk(_ ctx: PipelineContext, _ exercises: [ExerciseRecord],
                             _ body: ([(ExerciseRecord, ExerciseSamples)]) async throws -> Void) async throws {
        let files = Dictionary(uniqueKeysWithValues: try await ctx.shardFiles().map { ($0.id, $0) })
        let byFile = Dictionary(grouping: exercises, by: \.fileID)
        var chunk: [(ExerciseRecord, ExerciseSamples)] = []
        for fileID in byFile.keys.sorted() {
            try Task.checkCancellation()
            guard let file = files[fileID] else {
                throw PipelineError.missingInput("file id \(fileID) is not a file of this run's shard")
            }
            let samples = try StagedSession.readSamples(try Restage.session(file, ctx: ctx))
            for exercise in byFile[fileID] ?? [] where exercise.exerciseIndex < samples.count {
                chunk.append((exercise, samples[exercise.exerciseIndex]))
                if chunk.count >= ctx.configuration.chunkSize {
                    try await body(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        if !chunk.isEmpty { try await body(chunk) }
    }
}

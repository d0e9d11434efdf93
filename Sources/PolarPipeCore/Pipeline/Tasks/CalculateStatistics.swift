/// `calculate_exercise_statistics`, `update_user_statistics`, `update_global_statistics` (SPEC §4).
///
/// Exercise statistics are computed from the samples as stored, by the same function `stats rebuild` uses, so a
/// run and a rebuild give the same numbers. User statistics are recomputed only for the users this run touched;
/// the global row is one per run.
enum CalculateStatistics {
    static func exercises(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.store.exercises(runID: ctx.runID)
        guard !exercises.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        // The staged samples filtered as the load tasks filter them are exactly the stored rows, so this equals
        // `compute(_:store:)` (which `stats rebuild` uses) without reading the rows back; a test checks both agree.
        try await LoadSamples.forEachChunk(ctx, exercises) { chunk in
            var batch: [(exerciseID: Int64, stats: ExerciseStatistics)] = []
            for (exercise, staged) in chunk {
                var samples = staged
                samples.heartRate = SampleFilters.validHeartRate(staged.heartRate)
                samples.route = SampleFilters.validRoute(staged.route)
                batch.append((exercise.id, ExerciseStatistics.compute(durationS: exercise.durationS,
                                                                      reportedDistanceM: exercise.distanceM, samples: samples)))
            }
            try await ctx.store.upsertExerciseStatistics(batch)
        }
        return TaskOutput(["exercises": exercises.count])
    }

    /// The statistics of one stored exercise.
    static func compute(_ exercise: ExerciseRecord, store: any PipelineStore) async throws -> ExerciseStatistics {
        let samples = try await store.samples(exerciseID: exercise.id)
        return ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM, samples: samples)
    }

    static func users(_ ctx: PipelineContext) async throws -> TaskOutput {
        let userIDs = Set(try await ctx.store.exercises(runID: ctx.runID).map(\.userID))
        guard !userIDs.isEmpty else { return TaskOutput(["users": 0], nothingToDo: true) }
        for userID in userIDs.sorted() {
            try await updateUser(userID, store: ctx.store, now: ctx.now())
        }
        return TaskOutput(["users": userIDs.count])
    }

    static func updateUser(_ userID: Int64, store: any PipelineStore, now: Int64) async throws {
        let summaries = try await store.exerciseSummaries(userID: userID)
        try await store.upsertUserStatistics(userID: userID, UserStatistics.compute(summaries), computedAt: now)
    }

    static func global(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.store.exercises(runID: ctx.runID)
        guard !exercises.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        let stats = try await ctx.store.computeGlobalStatistics()
        try await ctx.store.insertGlobalStatistics(runID: ctx.runID, computedAt: ctx.now(), stats)
        return TaskOutput(["users": stats.totalUsers, "exercises": stats.totalExercises])
    }
}

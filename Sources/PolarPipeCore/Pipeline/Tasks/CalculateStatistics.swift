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
        let users = Dictionary(uniqueKeysWithValues: try await ctx.store.users().map { ($0.id, $0) })
        try await LoadSamples.forEachChunk(ctx, exercises) { chunk in
            var batch: [(exerciseID: Int64, stats: ExerciseStatistics)] = []
            for (exercise, staged) in chunk {
                var samples = staged
                samples.heartRate = SampleFilters.validHeartRate(staged.heartRate)
                samples.route = SampleFilters.validRoute(staged.route)
                batch.append((exercise.id, ExerciseStatistics.compute(durationS: exercise.durationS,
                                                                      reportedDistanceM: exercise.distanceM, samples: samples,
                                                                      profile: profile(exercise, users))))
            }
            try await ctx.store.upsertExerciseStatistics(batch)
        }
        return TaskOutput(["exercises": exercises.count])
    }

    /// The statistics of one stored exercise, from its stored samples.
    static func compute(_ exercise: ExerciseRecord, users: [Int64: UserRecord], store: any PipelineStore) async throws -> ExerciseStatistics {
        let samples = try await store.samples(exerciseID: exercise.id)
        return ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM, samples: samples,
                                          profile: profile(exercise, users))
    }

    /// Max and resting HR and sex for zones and TRIMP: the session's, else the user's, else 220 − age.
    static func profile(_ exercise: ExerciseRecord, _ users: [Int64: UserRecord]) -> HeartRateProfile {
        HeartRateProfile.resolve(session: exercise.physical, user: users[exercise.userID]?.physical,
                                 startLocalMillis: exercise.startUTCMillis + Int64(exercise.tzOffsetMinutes ?? 0) * 60_000)
    }

    static func users(_ ctx: PipelineContext) async throws -> TaskOutput {
        let userIDs = Set(try await ctx.store.exercises(runID: ctx.runID).map(\.userID))
        guard !userIDs.isEmpty else { return TaskOutput(["users": 0], nothingToDo: true) }
        for userID in userIDs.sorted() {
            try await updateUser(userID, store: ctx.store, now: ctx.now())
        }
        return TaskOutput(["users": userIDs.count])
    }

    /// A user's totals, weekly table and daily training load, from their exercises' statistics.
    static func updateUser(_ userID: Int64, store: any PipelineStore, now: Int64) async throws {
        let summaries = try await store.exerciseSummaries(userID: userID)
        try await store.upsertUserStatistics(userID: userID, UserStatistics.compute(summaries), computedAt: now)
        try await store.replaceUserWeekly(userID: userID, WeeklyTotals.compute(summaries.map { (userID, $0) }))
        var daily: [Int: Double] = [:]
        for s in summaries { daily[s.localDay, default: 0] += s.trimp ?? 0 }
        try await store.replaceUserDailyLoad(userID: userID, DailyLoad.series(dailyTRIMP: daily))
        try await store.replaceUserRecords(userID: userID, PersonalRecord.compute(summaries))
    }

    /// The global weekly trend: exercises, active users and distance per ISO week.
    static func updateGlobalWeekly(store: any PipelineStore) async throws {
        try await store.replaceGlobalWeekly(WeeklyTotals.compute(try await store.allExerciseSummaries()))
    }

    static func global(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.store.exercises(runID: ctx.runID)
        guard !exercises.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        let stats = try await ctx.store.computeGlobalStatistics()
        try await ctx.store.insertGlobalStatistics(runID: ctx.runID, computedAt: ctx.now(), stats)
        try await updateGlobalWeekly(store: ctx.store)
        return TaskOutput(["users": stats.totalUsers, "exercises": stats.totalExercises])
    }
}

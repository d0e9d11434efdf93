/// `calculate_exercise_statistics`, `update_user_statistics`, `update_global_statistics` (SPEC §4).
///
/// Exercise statistics are computed from the samples as stored, by the same function `stats rebuild` uses, so a
/// run and a rebuild give the same numbers (mapped over file shards). User statistics are recomputed only for the
/// users this run touched (mapped over user shards), after every shard's exercise statistics: first the exercises
/// of those users whose physiology changed (a 2024 file bringing the max HR a 2014 session lacked, or a shard
/// computed before another shard brought a newer snapshot) — each exercise's statistics record the profile they
/// used, and those whose profile now resolves differently are computed again from their stored samples. The
/// global row is one per run.
enum CalculateStatistics {
    static func exercises(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.shardExercises()
        guard !exercises.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        // The staged samples filtered as the load tasks filter them are exactly the stored rows, so this equals
        // `compute(_:store:)` (which `stats rebuild` uses) without reading the rows back; a test checks both agree.
        let users = Dictionary(uniqueKeysWithValues: try await ctx.store.users().map { ($0.id, $0) })
        let zones = ctx.configuration.heartRateZones
        try await LoadSamples.forEachChunk(ctx, exercises) { chunk in
            let batch = try await chunk.concurrentMap { exercise, staged -> (exerciseID: Int64, stats: ExerciseStatistics) in
                var samples = staged
                samples.heartRate = SampleFilters.validHeartRate(staged.heartRate)
                samples.route = SampleFilters.validRoute(staged.route)
                return (exercise.id, ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM,
                                                                samples: samples, profile: profile(exercise, users, zones: zones)))
            }
            try await ctx.store.upsertExerciseStatistics(batch)
        }
        return TaskOutput(["exercises": exercises.count])
    }

    /// Recomputes the statistics of the users' exercises computed with a profile that no longer resolves the same;
    /// returns how many.
    static func recomputeStale(users userIDs: Set<Int64>, _ users: [Int64: UserRecord], zones: SportHeartRateZones,
                               store: any PipelineStore) async throws -> Int {
        var recomputed = 0
        for userID in userIDs.sorted() {
            try Task.checkCancellation()
            let stale = try await store.statisticsProfiles(userID: userID).filter { exercise, used in
                let now = profile(exercise, users, zones: zones)
                return (now.isEmpty ? nil : now) != used
            }
            for start in stride(from: 0, to: stale.count, by: 64) {
                var batch: [(exerciseID: Int64, stats: ExerciseStatistics)] = []
                for (exercise, _) in stale[start ..< min(start + 64, stale.count)] {
                    batch.append((exercise.id, try await compute(exercise, users: users, zones: zones, store: store)))
                }
                try await store.upsertExerciseStatistics(batch)
            }
            recomputed += stale.count
        }
        return recomputed
    }

    /// The statistics of one stored exercise, from its stored samples.
    static func compute(_ exercise: ExerciseRecord, users: [Int64: UserRecord], zones: SportHeartRateZones,
                        store: any PipelineStore) async throws -> ExerciseStatistics {
        let samples = try await store.samples(exerciseID: exercise.id)
        return ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM, samples: samples,
                                          profile: profile(exercise, users, zones: zones))
    }

    /// Max and resting HR and sex for zones and TRIMP: the session's, else the user's, else 220 − age. HR zones: the
    /// limits the file states for the exercise, else those configured for its sport (`zones`), else % of max HR.
    static func profile(_ exercise: ExerciseRecord, _ users: [Int64: UserRecord],
                        zones: SportHeartRateZones = SportHeartRateZones()) -> HeartRateProfile {
        HeartRateProfile.resolve(session: exercise.physical, user: users[exercise.userID]?.physical,
                                 startLocalMillis: CheckedConversion.saturatingAdd(exercise.startUTCMillis,
                                                                                  Int64(max(-1080, min(1080, exercise.tzOffsetMinutes ?? 0))) * 60_000),
                                 hrZones: exercise.heartRateZones ?? zones.limits(forSport: exercise.sport))
    }

    static func users(_ ctx: PipelineContext) async throws -> TaskOutput {
        var userIDs = Set(try await ctx.store.exerciseUserIDs(runID: ctx.runID))
        let users = Dictionary(uniqueKeysWithValues: try await ctx.store.users().map { ($0.id, $0) })
        if ctx.mapIndex >= 0 {
            let shards = ctx.configuration.shardLimits.userShards(try await ctx.store.shardedUserKeys(runID: ctx.runID))
            let keys = ctx.mapIndex < shards.count ? Set(shards[ctx.mapIndex]) : []
            userIDs = userIDs.filter { users[$0].map { keys.contains($0.userKey) } ?? false }
        }
        guard !userIDs.isEmpty else { return TaskOutput(["users": 0], nothingToDo: true) }
        let recomputed = try await recomputeStale(users: userIDs, users, zones: ctx.configuration.heartRateZones, store: ctx.store)
        for userID in userIDs.sorted() {
            try Task.checkCancellation()
            try await updateUser(userID, store: ctx.store, now: ctx.now())
        }
        return TaskOutput(["users": userIDs.count, "exercises_recomputed": recomputed])
    }

    /// A user's totals, weekly table, daily training load and records (power records among them), from the statistics
    /// of all their exercises.
    static func updateUser(_ userID: Int64, store: any PipelineStore, now: Int64) async throws {
        let summaries = try await store.exerciseSummaries(userID: userID)
        try await store.upsertUserStatistics(userID: userID, UserStatistics.compute(summaries), computedAt: now)
        try await store.replaceUserWeekly(userID: userID, WeeklyTotals.compute(summaries.map { (userID, $0) }))
        var daily: [Int: Double] = [:]
        for s in summaries { daily[s.localDay, default: 0] += s.trimp ?? 0 }
        try await store.replaceUserDailyLoad(userID: userID, DailyLoad.series(dailyTRIMP: daily, through: ExerciseSummary.day(ofLocalMillis: now)))
        try await store.replaceUserRecords(userID: userID, PersonalRecord.compute(summaries))
    }

    /// The global weekly trend: exercises, active users and distance per ISO week (all weeks; `stats rebuild`).
    static func updateGlobalWeekly(store: any PipelineStore) async throws {
        try await store.replaceGlobalWeekly(WeeklyTotals.compute(try await store.allExerciseSummaries()))
    }

    /// Recomputes only the ISO weeks `mondays` (the days of their Mondays), reading only the exercises of those
    /// weeks, so the work follows the new data, not the size of the database.
    static func updateGlobalWeeks(_ mondays: Set<Int>, store: any PipelineStore) async throws {
        let dayMillis: Int64 = 86_400_000
        var weeks: [WeeklyTotals] = []
        var labels = Set<String>()
        for monday in mondays.sorted() {
            // Local dates are UTC ± 18 h at most: read a margin either side, then keep the week's own exercises.
            let from = Int64(monday) * dayMillis - 18 * 3_600_000, to = Int64(monday + 7) * dayMillis + 18 * 3_600_000
            let label = ISOWeek.of(day: monday).label
            labels.insert(label)
            let inWeek = try await store.exerciseSummaries(fromUTCMillis: from, toUTCMillis: to)
                .filter { ISOWeek.of(day: $0.summary.localDay).label == label }
            weeks += WeeklyTotals.compute(inWeek)
        }
        try await store.upsertGlobalWeekly(weeks, clearing: labels)
    }

    /// The global row, and the ISO weeks that contain the run's exercises (read a page at a time).
    static func global(_ ctx: PipelineContext) async throws -> TaskOutput {
        var mondays = Set<Int>()
        try await ctx.store.forEachExercisePage(runID: ctx.runID) { page in
            for e in page {
                mondays.insert(ISOWeek.of(day: ExerciseSummary.localDay(utcMillis: e.startUTCMillis, offsetMinutes: e.tzOffsetMinutes)).monday)
            }
        }
        guard !mondays.isEmpty else { return TaskOutput(["exercises": 0], nothingToDo: true) }
        let stats = try await ctx.store.computeGlobalStatistics()
        try await ctx.store.insertGlobalStatistics(runID: ctx.runID, computedAt: ctx.now(), stats)
        try await updateGlobalWeeks(mondays, store: ctx.store)
        return TaskOutput(["users": stats.totalUsers, "exercises": stats.totalExercises])
    }
}

/// `polarpipe stats rebuild`: recompute every exercise's statistics from the stored samples, then every user's,
/// then a global row — the reference that incremental runs must equal.
public enum StatisticsRebuild {
    /// `zones`: the heart-rate zones configured per sport (`zones.<sport>`).
    public static func run(store: any PipelineStore, now: Int64, zones: SportHeartRateZones = SportHeartRateZones()) async throws
        -> (exercises: Int, users: Int) {
        let ids = try await store.allExerciseIDs()
        let userRecords = Dictionary(uniqueKeysWithValues: try await store.users().map { ($0.id, $0) })
        var batch: [(exerciseID: Int64, stats: ExerciseStatistics)] = []
        for id in ids {
            guard let exercise = try await store.exercise(id: id) else { continue }
            batch.append((id, try await CalculateStatistics.compute(exercise, users: userRecords, zones: zones, store: store)))
            if batch.count >= 64 {
                try await store.upsertExerciseStatistics(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await store.upsertExerciseStatistics(batch) }
        let users = try await store.users()
        for user in users {
            try await CalculateStatistics.updateUser(user.id, store: store, now: now)
        }
        let global = try await store.computeGlobalStatistics()
        try await store.insertGlobalStatistics(runID: "rebuild-" + PolarTime.formatUTC(millis: now), computedAt: now, global)
        try await CalculateStatistics.updateGlobalWeekly(store: store)
        return (ids.count, users.count)
    }
}

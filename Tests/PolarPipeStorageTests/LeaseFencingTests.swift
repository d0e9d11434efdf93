import Foundation
import PolarPipeCore
import PolarPipePostgres
import PolarPipeTestSupport
import Testing

/// Fencing per write, on SQLite and PostgreSQL: a holder whose lease expired and was taken over by a second store
/// (another process or machine on the same database) has every kind of write refused inside its own transaction,
/// and the database stays exactly as the new holder left it.
@Suite(.timeLimit(.minutes(5))) struct LeaseFencingTests {
    /// 2026-03-30T08:00:00Z.
    static let t0: Int64 = 1_774_857_600_000
    static let old = LeaseOwner(pid: 4_001, host: "worker-a")
    static let new = LeaseOwner(pid: 4_002, host: "worker-b")

    static func exercise(startUTC: Int64) -> Exercise {
        Exercise(externalID: "x-\(startUTC)", sport: "RUNNING", sportRaw: "RUNNING", startLocalMillis: startUTC, tzOffsetMinutes: 0,
                 durationS: 600, distanceM: 2_000, calories: 150, reportedHR: ReportedHeartRate(min: 90, avg: 130, max: 160),
                 ascentM: 1, descentM: 1, raw: "{}", samples: ExerciseSamples())
    }

    /// What a user could check, plus the run bookkeeping and the ledger rows.
    static func everything(_ store: any PipelineStore) async throws -> [String] {
        var lines = try await StoreSnapshot.of(store) + (try await StoreSnapshot.files(store))
        for run in try await store.runs(limit: 100) {
            lines.append("run \(run.runID) \(run.state.rawValue) \(run.endedAt ?? 0) \(run.summary ?? "-")")
            for t in try await store.taskInstances(runID: run.runID) {
                lines.append("task \(t.runID) \(t.taskID)[\(t.mapIndex)] #\(t.tryNumber) \(t.state.rawValue) \(t.error ?? "-")")
            }
            for f in try await store.files(runID: run.runID) {
                lines.append("row \(f.id) \(f.state.rawValue) \(f.attempts) \(f.userID ?? 0) \(f.path)")
            }
        }
        return lines
    }

    /// Every write of the store's concerns, each once, as a stale holder would make them.
    static func writes(_ store: any PipelineStore, file: Int64, user: Int64, exercise exerciseID: Int64) -> [(String, () async throws -> Void)] {
        let week = WeeklyTotals(week: "2026-W14", monday: 20_542, exercises: 9, distanceM: 9, durationS: 9, trimp: 9, activeUsers: 9)
        return [
            ("createRun", { try await store.createRun("run-old", startedAt: t0 + 9, trigger: "stale") }),
            ("finishRun", { try await store.finishRun("run-old", state: .failed, endedAt: t0 + 9, summary: "stale") }),
            ("recordTask", { try await store.recordTask(TaskInstanceRecord(runID: "run-old", taskID: "validate_json_files", tryNumber: 2, state: .running)) }),
            ("claimFiles", { _ = try await store.claimFiles([ClaimedFile(originalPath: "u/late.json", userKey: "u", runID: "run-old", path: "", bytes: 1)]) }),
            ("updateFiles", { try await store.updateFiles([FileUpdate(id: file, state: .quarantined, reason: .some("stale"))]) }),
            ("forgetClaims", { try await store.forgetClaims([file]) }),
            ("addAttempts", { try await store.addAttempts([file], 1) }),
            ("setFileUsers", { try await store.setFileUsers([(file, user + 1)]) }),
            ("upsertUser", { _ = try await store.upsertUser(key: "stale-user", physical: nil, polarUserID: nil, now: t0) }),
            ("recordExercises", {
                _ = try await store.recordExercises(runID: "run-old", toleranceMillis: 2_000, [
                    FileExercises(fileID: file, userID: user, layout: .flowExportOld, exercises: [NewExercise(index: 0, exercise: Self.exercise(startUTC: t0 + 86_400_000), deviceID: nil)])])
            }),
            ("replaceHeartRateSamples", { try await store.replaceHeartRateSamples([(exerciseID, SampleSeries(t: [0], value: [99]), 0)]) }),
            ("replaceRoutePoints", {
                try await store.replaceRoutePoints([(exerciseID, RouteSeries(t: [0], latitude: [1], longitude: [1], altitude: [.nan]), 0)])
            }),
            ("upsertExerciseStatistics", { try await store.upsertExerciseStatistics([(exerciseID, ExerciseStatistics(hrSamples: 99, durationS: 600))]) }),
            ("upsertUserStatistics", {
                try await store.upsertUserStatistics(userID: user, UserStatistics(totalExercises: 99, totalDistanceM: 9, totalDurationS: 9,
                                                                                   totalCalories: 9, totalHRSamples: 9), computedAt: t0)
            }),
            ("insertGlobalStatistics", { try await store.insertGlobalStatistics(runID: "run-old", computedAt: t0, GlobalStatistics(totalUsers: 99)) }),
            ("replaceUserWeekly", { try await store.replaceUserWeekly(userID: user, [week]) }),
            ("replaceUserDailyLoad", { try await store.replaceUserDailyLoad(userID: user, [DailyLoad(day: 20_542, trimp: 9, ctl: 9, atl: 9)]) }),
            ("replaceUserRecords", {
                try await store.replaceUserRecords(userID: user, [PersonalRecord(sport: "RUNNING", record: "longest", value: 9, exerciseID: exerciseID, achievedAtMillis: t0)])
            }),
            ("upsertGlobalWeekly", { try await store.upsertGlobalWeekly([week], clearing: [week.week]) }),
            ("replaceGlobalWeekly", { try await store.replaceGlobalWeekly([week]) }),
        ]
    }

    @Test(arguments: Backend.available) func everyWriteOfAHolderWhoseLeaseWasTakenOverIsRefusedAndChangesNothing(_ backend: Backend) async throws {
        try await withStore(backend, "fencing") { s in
            // The first holder takes the lease and writes a run's first rows through its fenced store.
            #expect(try await s.store.acquireLease(runID: "run-old", owner: Self.old, now: Self.t0, ttlMillis: 1_000, isStale: { _ in false }) == nil)
            let oldFence = LeaseFence(runID: "run-old", token: try #require(try await s.store.leaseToken(runID: "run-old")))
            let stale = s.store.fenced(by: oldFence)
            try await stale.createRun("run-old", startedAt: Self.t0, trigger: "manual")
            let file = try await stale.claimFile(ClaimedFile(originalPath: "u/a.json", userKey: "u", runID: "run-old", path: "", bytes: 1))
            let (user, _) = try await stale.upsertUser(key: "u", physical: nil, polarUserID: nil, now: Self.t0)
            try await stale.updateFiles([FileUpdate(id: file, state: .validated, sha256: "aa")])
            let ids = try await stale.recordExercises(runID: "run-old", toleranceMillis: 2_000, [
                FileExercises(fileID: file, userID: user, layout: .flowExportOld, exercises: [NewExercise(index: 0, exercise: Self.exercise(startUTC: Self.t0), deviceID: nil)])])
            let exercise = try #require(ids.first?.ids.first)

            // Its lease expires; a second process on the same database takes it over and finishes the run.
            let second = try await s.reopen()
            #expect(try await second.acquireLease(runID: "run-old", owner: Self.new, now: Self.t0 + 5_000, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            let newFence = LeaseFence(runID: "run-old", token: try #require(try await second.leaseToken(runID: "run-old")))
            #expect(newFence.token == oldFence.token + 1)
            let current = second.fenced(by: newFence)
            try await current.updateFiles([FileUpdate(id: file, state: .loaded)])
            try await current.replaceHeartRateSamples([(exercise, SampleSeries(t: [0, 1], value: [120, 121]), 0)])
            try await current.recordTask(TaskInstanceRecord(runID: "run-old", taskID: "validate_json_files", tryNumber: 1, state: .success))
            let before = try await Self.everything(second)

            // The first holder comes back: each of its writes is refused with the fencing error, and nothing changes.
            for (name, write) in Self.writes(stale, file: file, user: user, exercise: exercise) {
                do {
                    try await write()
                    Issue.record("\(name) of a stale holder was written")
                } catch let fenced as LeaseFence.Fenced {
                    #expect(fenced.current?.token == newFence.token, "\(name)")
                    #expect(fenced.description.hasPrefix("fenced: the run lease passed to run run-old (process 4002 on worker-b, token \(newFence.token))"),
                            "\(name): \(fenced)")
                }
            }
            #expect(try await Self.everything(second) == before)
            #expect(try await second.file(id: file)?.state == .loaded)
            #expect(try await second.samples(exerciseID: exercise).heartRate.value == [120, 121])

            // The new holder ends the run and releases the lease: the old token stays refused, and the next holder's
            // token is greater than every token given out before (a released lease keeps its row).
            try await current.finishRun("run-old", state: .success, endedAt: Self.t0 + 6_000, summary: nil)
            try await second.releaseLease(runID: "run-old", token: newFence.token)
            #expect(try await second.currentLease() == nil)
            await #expect(throws: LeaseFence.Fenced.self) { try await current.recordTask(TaskInstanceRecord(runID: "run-old", taskID: "x", tryNumber: 1, state: .running)) }
            await #expect(throws: LeaseFence.Fenced.self) { try await stale.createRun("run-old", startedAt: Self.t0, trigger: "stale") }
            #expect(try await s.store.run("run-old")?.state == .success)
            #expect(try await s.store.acquireLease(runID: "run-next", owner: Self.old, now: Self.t0 + 7_000, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            #expect(try await s.store.leaseToken(runID: "run-next") == newFence.token + 1)
            if let postgres = second as? PostgresStore { await postgres.shutdown() }
        }
    }
}

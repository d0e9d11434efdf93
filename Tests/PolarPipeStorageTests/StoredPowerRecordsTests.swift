import Foundation
import PolarPipeCore
import PolarPipeTestSupport
import Testing

/// Power records are stored in `user_records` by `update_user_statistics` over all of a user's exercises, on both
/// stores, and the user page, the JSON view and a rebuild read or give the same.
@Suite(.serialized, .timeLimit(.minutes(10))) struct StoredPowerRecordsTests {
    /// Ann's best 20 min power (310 W) is her oldest ride, 2023-06-02; four later rides are weaker. Runs of two
    /// exercises each, so that runs without the old ride recompute Ann's records too. Bob only runs.
    static let rides = [(2, 310), (9, 250), (12, 280), (15, 260), (20, 280)]

    @Test(arguments: Backend.available) func anOldRidesBest20MinPowerIsStoredAndShownWithItsExercise(_ backend: Backend) async throws {
        try await withStore(backend, "power-records") { s in
            for (day, watts) in Self.rides {
                try s.tmp.drop(PowerRideFixture.json(day: day, watts: watts), at: "ann/ride-\(Format.padded(day, 2)).json")
            }
            try s.tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise]), at: "bob/run.json")
            let runner = s.runner { $0.maxExercisesPerRun = 2 }
            var runs = 0
            while !s.tmp.files(under: s.tmp.workspace.inbox).isEmpty, runs < 6 {
                runs += 1
                #expect(try await runner.run(runID: "batch-\(runs)").outcome.state == .success)
            }
            #expect(runs >= 3)
            let store = s.store
            let ann = try #require(try await store.user(key: "ann")), bob = try #require(try await store.user(key: "bob"))
            let exercises = try await store.recentExercises(userID: ann.id, limit: 10)
            #expect(exercises.count == 5)
            // 2023-06-02 10:00 at +03:00.
            let old = try #require(exercises.first { $0.exercise.startUTCMillis == Int64(PolarTime.daysFromCivil(2023, 6, 2)) * 86_400_000 + 7 * 3_600_000 })

            let records = try await store.userRecords(userID: ann.id)
            func record(_ name: String) -> PersonalRecord? { records.first { $0.sport == "ROAD_BIKING" && $0.record == name } }
            let best20 = try #require(record("best_power_20min"))
            #expect(best20.value == 310 && best20.exerciseID == old.exercise.id && best20.achievedAtMillis == old.exercise.startUTCMillis)
            #expect(record("best_power_5s")?.value == 310 && record("best_power_1min")?.value == 310 && record("best_power_5min")?.value == 310)
            let np = try #require(record("best_np"))
            #expect(np.exerciseID == old.exercise.id && np.value == old.stats?.power?.normalizedW)
            #expect(np.value > 280 && np.value < 310)
            // Every ride is 12 km: the earliest holds the record.
            #expect(record("longest_distance")?.exerciseID == old.exercise.id)
            // A runner without a power meter has records, none of them power.
            let bobs = try await store.userRecords(userID: bob.id)
            #expect(!bobs.isEmpty && !bobs.contains { PowerRecords.isPower($0.record) })

            // The page listing only the 3 newest rides still shows the old record, at its local time.
            let html = try await ReportWriter.userPage(ann, stats: try await store.userStatistics(userID: ann.id), store: store,
                                                       generatedAt: Clock.nowMillis(), exercises: 3)
            let listed = try #require(html.range(of: "<h2>Recent exercises</h2>")).upperBound
            #expect(!html[listed...].contains("exercises/\(old.exercise.id).html"))
            #expect(html.contains("<td>Best 20 min power</td><td class=\"n\">310 W</td><td><a href=\"../exercises/\(old.exercise.id).html\">"
                                  + "2023-06-02 10:00 (+03:00)</a>"), "\(html)")
            let view = try #require(try await UserJSON.load(userID: ann.id, store: store))
            #expect(view.records_by_sport["ROAD_BIKING"]?["best_power_20min"] == 310 && view.records["best_power_20min"] == nil)
            #expect(try await UserJSON.load(userID: bob.id, store: store)?.records_by_sport["RUNNING"]?.keys.contains { $0.hasPrefix("best_") } == false)

            // `stats rebuild` gives the same records.
            let incremental = try await StoreSnapshot.of(store)
            #expect(incremental.contains { $0.hasPrefix("record ann ROAD_BIKING best_power_20min 310 ") })
            _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
            let rebuilt = try await StoreSnapshot.of(store)
            #expect(rebuilt == incremental, "\(Set(rebuilt).symmetricDifference(incremental).sorted().prefix(4))")
        }
    }
}

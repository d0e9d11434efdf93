import Foundation
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport
import Testing

/// When a later file brings physical information an earlier session lacked, the statistics that depend on it are
/// computed again, so incremental runs equal `stats rebuild` whatever order the files arrive in.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PhysiologyChangeTests {
    /// An old-layout session of `seconds` one-second HR samples at `bpm`, starting at local `start`.
    static func session(start: String, snapshot: String, bpm: Double, seconds: Int) throws -> String {
        let t0 = try #require(PolarTime.localMillis(start))
        let samples = (0 ..< seconds).map { i in
            #"{"dateTime": "\#(PolarTime.format(millis: t0 + Int64(i) * 1000, fraction: true))", "value": \#(bpm)}"#
        }
        let stop = PolarTime.format(millis: t0 + Int64(seconds) * 1000, fraction: true)
        return """
            {"exportVersion": "2.2", "deviceId": "4A858829", "startTime": "\(start)", "stopTime": "\(stop)",
             "timeZoneOffset": 60, "duration": "PT\(seconds)S", \(snapshot)
             "exercises": [{"startTime": "\(start)", "stopTime": "\(stop)", "timezoneOffset": 60, "duration": "PT\(seconds)S",
                            "sport": "RUNNING", "samples": {"heartRate": [\(samples.joined(separator: ","))]}}]}
            """
    }

    @Test func aLaterMaxHeartRateRecomputesTheZonesAndTRIMPOfAnOlderSession() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        // 2014: only a birthday, so max HR is 220 − 34 = 186 and there is no resting HR (no TRIMP). 150 bpm is 80.6 %
        // of 186: zone 4 (80–90 %).
        try tmp.drop(try Self.session(start: "2014-05-01T10:00:00.000", snapshot: """
            "physicalInformationSnapshot": {"dateTime": "2014-05-01T08:00:00.000", "sex": "MALE", "birthday": "1980-01-01"},
            """, bpm: 150, seconds: 120), at: "ann/2014.json")
        #expect(try await makeRunner(tmp, store).run(runID: "run-1").outcome.state == .success)
        let old = try #require(try await store.exercises(runID: "run-1").first)
        let before = try #require(try await store.exerciseStatistics(exerciseID: old.id))
        #expect(before.hrZonesS == [0, 0, 0, 120, 0] && before.trimp == nil)

        // 2024: max HR 190 and resting HR 50; 150 bpm is 78.9 % of 190: zone 3. The 2014 session has no max HR of its
        // own, so the user's new one applies to it too.
        try tmp.drop(try Self.session(start: "2024-05-01T10:00:00.000", snapshot: """
            "physicalInformationSnapshot": {"dateTime": "2024-05-01T08:00:00.000", "sex": "MALE", "birthday": "1980-01-01",
              "maximumHeartRate": 190, "restingHeartRate": 50},
            """, bpm: 150, seconds: 60), at: "ann/2024.json")
        let second = try await makeRunner(tmp, store).run(runID: "run-2").outcome
        #expect(second.state == .success)
        #expect(second.outputs["update_user_statistics"]?.counts["exercises_recomputed"] == 1)
        let after = try #require(try await store.exerciseStatistics(exerciseID: old.id))
        #expect(after.hrZonesS == [0, 0, 120, 0, 0])
        #expect(after.profile == HeartRateProfile(maxHR: 190, restingHR: 50, sex: "MALE"))
        #expect((after.trimp ?? 0) > 0)

        // A run that changes no physiology recomputes nothing, and the database equals a rebuild.
        try tmp.drop(try Self.session(start: "2024-06-01T10:00:00.000", snapshot: "", bpm: 140, seconds: 60), at: "ann/2024-06.json")
        let third = try await makeRunner(tmp, store).run(runID: "run-3").outcome
        #expect(third.outputs["update_user_statistics"]?.counts["exercises_recomputed"] == 0)
        let incremental = try await DatabaseSnapshot.of(store, files: false)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        let rebuilt = try await DatabaseSnapshot.of(store, files: false)
        #expect(rebuilt == incremental, "\(Set(rebuilt).symmetricDifference(incremental).sorted().prefix(4))")
        #expect(try await store.exerciseStatistics(exerciseID: old.id) == after)
    }

    @Test func fitnessAndFatigueRunToTodayAndDecayOnRestDays() throws {
        let series = DailyLoad.series(dailyTRIMP: [100: 50, 102: 30], through: 110)
        #expect(series.map(\.day) == Array(100 ... 110))
        #expect(series[10].trimp == 0 && series[10].ctl < series[2].ctl && series[10].atl < series[2].atl)
        // Without a day to run to, or with a clock behind the data, it stops at the last exercise.
        #expect(DailyLoad.series(dailyTRIMP: [100: 50, 102: 30]).map(\.day) == [100, 101, 102])
        #expect(DailyLoad.series(dailyTRIMP: [100: 50], through: 90).map(\.day) == [100])
        // A "today" decades after the data is a wrong clock: at most ten years of rest days.
        #expect(DailyLoad.series(dailyTRIMP: [100: 50], through: 100 + 50_000).count == 3_661)
    }
}

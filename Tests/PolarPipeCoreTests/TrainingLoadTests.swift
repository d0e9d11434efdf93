import Testing
@testable import PolarPipeCore

@Suite struct TrainingLoadTests {
    func series(_ values: [Double], t: [Double]? = nil) -> SampleSeries {
        SampleSeries(t: t ?? values.indices.map(Double.init), value: values)
    }

    @Test func heartRateZonesInSecondsOfValidHeartRate() throws {
        // max 200: 99 is below 50 %; 100, 119 → z1; 120 → z2; 159 → z3; 160, 179 → z4; 180, 210 → z5; 260 invalid.
        let zones = try #require(TrainingLoad.zones(series([99, 100, 119, 120, 159, 160, 179, 180, 210, 260]), maxHR: 200))
        #expect(zones == [2, 1, 1, 2, 2])
        #expect(TrainingLoad.zones(series([150]), maxHR: nil) == nil)
        // Samples every 5 s weigh 5 s.
        #expect(TrainingLoad.zones(series([150, 150], t: [0, 5]), maxHR: 200) == [0, 0, 10, 0, 0])
    }

    @Test func banisterTRIMPByHandWithConstantsBySex() throws {
        // rest 50, max 190: 120 bpm → x = 0.5, 190 → x = 1, 50 → x = 0, 20 is not valid HR.
        let hr = series([120, 190, 50, 20])
        let men = try #require(TrainingLoad.trimp(hr, profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: "MALE")))
        #expect(abs(men - 0.08668593819735795) < 1e-12)  // (1/60)(0.5·0.64·e^0.96 + 0.64·e^1.92)
        let unknown = try #require(TrainingLoad.trimp(hr, profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: nil)))
        #expect(abs(unknown - 0.09099311274989277) < 1e-12)  // a = 0.75, b = 1.80
        #expect(TrainingLoad.trimp(hr, profile: HeartRateProfile(maxHR: 190, restingHR: nil, sex: "MALE")) == nil)
        #expect(TrainingLoad.trimp(hr, profile: HeartRateProfile(maxHR: nil, restingHR: 50, sex: "MALE")) == nil)
    }

    @Test func maxHeartRateFallsBackToTheUserThenToAge() {
        let start = PolarTime.localMillis("2026-03-01T08:00:00")!
        let user = PhysicalInformation(birthday: "1990-04-02", maxHR: 185, restingHR: 52)
        #expect(HeartRateProfile.resolve(session: PhysicalInformation(maxHR: 193), user: user, startLocalMillis: start).maxHR == 193)
        #expect(HeartRateProfile.resolve(session: nil, user: user, startLocalMillis: start) == HeartRateProfile(maxHR: 185, restingHR: 52, sex: nil))
        // 35 years old on 2026-03-01 (birthday in April): 220 − 35.
        #expect(HeartRateProfile.resolve(session: nil, user: PhysicalInformation(birthday: "1990-04-02"), startLocalMillis: start).maxHR == 185)
        #expect(HeartRateProfile.resolve(session: nil, user: nil, startLocalMillis: start).maxHR == nil)
    }

    @Test func movingTimeFromSpeedSamplesElseFromTheRoute() {
        // 1 s samples with a missing one at t = 4: every sample weighs 1 s; 1.0 and 5 km/h are moving.
        #expect(TrainingLoad.movingTime(speed: series([0, 0.5, 1.0, 5, 0.99], t: [0, 1, 2, 3, 5]), route: RouteSeries()) == 2)
        // 0.001° of latitude ≈ 111 m per 10 s (40 km/h) moves; the last step stands still.
        let route = RouteSeries(t: [0, 10, 20], latitude: [60, 60.001, 60.001], longitude: [24, 24, 24], altitude: [.nan, .nan, .nan])
        #expect(TrainingLoad.movingTime(speed: SampleSeries(), route: route) == 10)
        #expect(TrainingLoad.movingTime(speed: SampleSeries(), route: RouteSeries()) == nil)
    }

    @Test func fitnessFatigueFormFromDailyTRIMP() {
        let days = DailyLoad.series(dailyTRIMP: [100: 100, 102: 50])
        #expect(days.map(\.day) == [100, 101, 102])
        #expect(days.map(\.trimp) == [100, 0, 50])
        #expect(abs(days[0].ctl - 2.3528313347756735) < 1e-12 && abs(days[0].atl - 13.312210024981841) < 1e-12)
        #expect(abs(days[2].ctl - 3.419833180333226) < 1e-12 && abs(days[2].atl - 16.65992856691396) < 1e-12)
        #expect(abs(days[2].tsb - -13.240095386580732) < 1e-12)
        #expect(DailyLoad.series(dailyTRIMP: [:]).isEmpty)
    }

    @Test func isoWeeks() {
        func week(_ date: String) -> String { ISOWeek.of(day: Int(PolarTime.localMillis(date + "T12:00:00")! / 86_400_000)).label }
        #expect(week("2026-01-01") == "2026-W01")
        #expect(week("2027-01-01") == "2026-W53")
        #expect(week("2024-12-30") == "2025-W01")
        #expect(week("2026-11-28") == "2026-W48")
    }

    @Test func weeklyTotalsUseLocalDates() {
        // 23:30 UTC on Sunday 2026-03-01 is Monday 00:30 at +60 min: the next ISO week.
        let sunday = PolarTime.localMillis("2026-03-01T23:30:00")!
        let e = [
            (Int64(1), ExerciseSummary(sport: "RUNNING", startUTCMillis: sunday, durationS: 600, distanceM: 2000, calories: nil,
                                       hrSamples: 0, hrSum: 0, trimp: 10, tzOffsetMinutes: 60)),
            (Int64(2), ExerciseSummary(sport: "RUNNING", startUTCMillis: sunday, durationS: 300, distanceM: nil, calories: nil,
                                       hrSamples: 0, hrSum: 0, trimp: nil, tzOffsetMinutes: 0)),
        ]
        let weeks = WeeklyTotals.compute(e)
        #expect(weeks.map(\.week) == ["2026-W09", "2026-W10"])
        #expect(weeks[1].distanceM == 2000 && weeks[1].trimp == 10 && weeks[1].activeUsers == 1)
        #expect(weeks[0].exercises == 1 && weeks[0].durationS == 300)
    }
}

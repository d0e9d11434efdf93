import Testing
@testable import PolarPipeCore

@Suite struct SplitsTests {
    /// 1 Hz samples: 4 m/s for 300 s, then 2 m/s for 500 s (1 200 m + 1 000 m = 2 200 m).
    func samples() -> ExerciseSamples {
        var s = ExerciseSamples()
        var d = 0.0
        for i in 0 ... 800 {
            s.distance.append(Double(i), d)
            s.heartRate.append(Double(i), i < 250 ? 120 : 150)
            s.altitude.append(Double(i), 100 + Double(i) / 10)
            d += i < 300 ? 4 : 2
        }
        return s
    }

    @Test func splitsFromCumulativeDistance() {
        let splits = Splits.compute(samples())
        #expect(splits.map(\.km) == [1, 2])  // the last 200 m are not a complete kilometre
        #expect(splits[0].timeS == 250)  // 1 000 m at 4 m/s
        #expect(splits[1].timeS == 450)  // 200 m at 4 m/s (50 s) + 800 m at 2 m/s (400 s)
        #expect(abs(splits[0].paceMinPerKm - 250.0 / 60) < 1e-12)
        #expect(splits[0].hrAvg == 120)  // t 0..249
        #expect(splits[1].hrAvg == 150)  // t 250..699
        #expect(splits[0].elevationM == 25 && splits[1].elevationM == 45)
    }

    @Test func bestEffortsFindTheFastestStretchInside() {
        let curve = Splits.distanceCurve(samples())
        #expect(Splits.bestEffort(1000, curve: curve) == 250)
        #expect(Splits.bestEffort(2000, curve: curve) == 700)  // 1 200 m in 300 s + 800 m in 400 s
        #expect(Splits.bestEffort(5000, curve: curve) == nil)
    }

    @Test func routeIsTheFallbackForDistance() {
        var s = ExerciseSamples()
        for i in 0 ... 20 { s.route.append(Double(i * 10), 60 + Double(i) * 0.001, 24, .nan) }  // ≈ 111.2 m per 10 s
        let curve = Splits.distanceCurve(s)
        #expect(abs((curve.value.last ?? 0) - 2223.9) < 0.1)
        #expect(Splits.compute(s).count == 2)
        #expect(Splits.compute(ExerciseSamples()).isEmpty)
    }

    @Test func personalRecordsPickTheBestAndTheEarliestOnATie() {
        func e(_ id: Int64, _ start: Int64, distance: Double?, duration: Double, best1k: Double?) -> ExerciseSummary {
            var s = ExerciseSummary(sport: "RUNNING", startUTCMillis: start, durationS: duration, distanceM: distance, calories: nil,
                                    hrSamples: 0, hrSum: 0)
            s.exerciseID = id
            s.best1kmS = best1k
            return s
        }
        let records = PersonalRecord.compute([e(1, 100, distance: 5000, duration: 1800, best1k: 240),
                                              e(2, 200, distance: 12000, duration: 3600, best1k: 230),
                                              e(3, 300, distance: 12000, duration: 900, best1k: 230)])
        #expect(records == [
            PersonalRecord(sport: "RUNNING", record: "longest_distance", value: 12000, exerciseID: 2, achievedAtMillis: 200),
            PersonalRecord(sport: "RUNNING", record: "longest_duration", value: 3600, exerciseID: 2, achievedAtMillis: 200),
            PersonalRecord(sport: "RUNNING", record: "fastest_1km", value: 230, exerciseID: 2, achievedAtMillis: 200),
        ])
    }
}

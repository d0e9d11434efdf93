import Testing
@testable import PolarPipeCore

@Suite struct StatisticsTests {
    func samples(hr: [Double] = [], route: [(Double, Double, Double)] = [], altitude: [Double] = []) -> ExerciseSamples {
        var s = ExerciseSamples()
        for (i, v) in hr.enumerated() { s.heartRate.append(Double(i), v) }
        for (i, p) in route.enumerated() { s.route.append(Double(i), p.0, p.1, p.2) }
        for (i, a) in altitude.enumerated() { s.altitude.append(Double(i), a) }
        return s
    }

    @Test func heartRateUsesOnlyValidSamples() {
        let s = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: samples(hr: [29, 30, 100, 250, 251, 0, 140]))
        #expect(s.hrSamples == 4)
        #expect(s.hrMin == 30)
        #expect(s.hrMax == 250)
        #expect(s.hrAvg == 130)
        #expect(s.hrSum == 520)
    }

    @Test func noHeartRateGivesNullNotZero() {
        for hr in [[], [0.0, 0, 0]] {
            let s = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: samples(hr: hr))
            #expect(s.hrSamples == 0 && s.hrMin == nil && s.hrMax == nil && s.hrAvg == nil)
        }
    }

    @Test func haversineMatchesAHandComputedValue() {
        // Computed independently with R = 6 371 008.8 m.
        #expect(abs(Geo.haversine(60.23398333, 24.81871167, 60.23408333, 24.81881167) - 12.41442635554216) < 1e-9)
        #expect(abs(Geo.haversine(0, 0, 0, 1) - 111_195.0802335329) < 1e-6)
    }

    @Test func gpsDistanceAndTheDistanceRule() {
        let route = [(0.0, 1.0, 10.0), (0.0, 2.0, 12.0), (0.0, 0.0, 5.0), (95.0, 2.0, 5.0)]  // (0,0) and lat 95 are invalid
        let s = ExerciseStatistics.compute(durationS: 3600, reportedDistanceM: nil, samples: samples(route: route))
        #expect(s.gpsPoints == 2)
        #expect(abs((s.gpsDistanceM ?? 0) - 111_195.0802335329) < 1e-6)
        #expect(s.distanceM == s.gpsDistanceM)
        #expect(abs((s.avgSpeedKmh ?? 0) - 111.1950802335329) < 1e-9)
        #expect(abs((s.paceMinPerKm ?? 0) - 60 / 111.1950802335329) < 1e-9)
        // A reported distance > 0 wins; 0 does not.
        #expect(ExerciseStatistics.compute(durationS: 3600, reportedDistanceM: 5000, samples: samples(route: route)).distanceM == 5000)
        #expect(ExerciseStatistics.compute(durationS: 3600, reportedDistanceM: 0, samples: samples(route: route)).distanceM == s.gpsDistanceM)
    }

    @Test func singlePointHasNoDistance() {
        let s = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: samples(route: [(60, 24, 5)]))
        #expect(s.gpsPoints == 1 && s.gpsDistanceM == nil && s.distanceM == nil && s.avgSpeedKmh == nil && s.paceMinPerKm == nil)
        #expect(s.elevationGainM == 0 && s.elevationLossM == 0)
    }

    @Test func paceIsNullBelowTenMetres() {
        let s = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: 9.5, samples: ExerciseSamples())
        #expect(s.distanceM == 9.5 && s.paceMinPerKm == nil)
        #expect(abs((s.avgSpeedKmh ?? 0) - 0.57) < 1e-12)
    }

    @Test func elevationHysteresisDropsLeadingZerosAndNoise() throws {
        // ref 100 → 104 (+4) → 96 (−8) → 110 (+14); 102, 101, 99 are within 3 m of the reference.
        let r = try #require(Elevation.gainLoss([0, 0, 100, 102, 104, 101, 96, .nan, 99, 110]))
        #expect(r.gain == 18)
        #expect(r.loss == 8)
        #expect(Elevation.gainLoss([0, 0, .nan]) == nil)
        #expect(Elevation.gainLoss([]) == nil)
    }

    @Test func altitudeSamplesWinOverRouteAltitude() {
        let withRoute = samples(route: [(60, 24, 100), (60.0001, 24, 110)], altitude: [0, 50, 90])
        #expect(ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: withRoute).elevationGainM == 40)
        let withoutAltitudeSamples = samples(route: [(60, 24, 100), (60.0001, 24, 110)])
        #expect(ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: withoutAltitudeSamples).elevationGainM == 10)
    }

    @Test func userTotalsAveragesAndMostCommonSport() {
        let e = [
            ExerciseSummary(sport: "RUNNING", startUTCMillis: 2000, durationS: 100, distanceM: 1000, calories: 10, hrSamples: 2, hrSum: 300),
            ExerciseSummary(sport: "CYCLING", startUTCMillis: 1000, durationS: 200, distanceM: nil, calories: nil, hrSamples: 1, hrSum: 120),
            ExerciseSummary(sport: "RUNNING", startUTCMillis: 3000, durationS: 100, distanceM: 3000, calories: 20, hrSamples: 0, hrSum: 0),
            ExerciseSummary(sport: "CYCLING", startUTCMillis: 4000, durationS: 50, distanceM: 2000, calories: 5, hrSamples: 1, hrSum: 150),
        ]
        let s = UserStatistics.compute(e)
        #expect(s.totalExercises == 4)
        #expect(s.totalDistanceM == 6000)
        #expect(s.avgDistanceM == 2000)  // over the three exercises with a distance
        #expect(s.totalDurationS == 450)
        #expect(s.avgDurationS == 112.5)
        #expect(s.totalCalories == 35)
        #expect(s.avgHR == 142.5)  // (300 + 120 + 150) / 4 samples
        #expect(s.mostCommonSport == "CYCLING")  // 2 vs 2 exercises; 250 s vs 200 s
        #expect(s.firstExerciseAtMillis == 1000 && s.lastExerciseAtMillis == 4000)
        #expect(UserStatistics.mostCommonSport(counts: ["RUNNING": 2, "CYCLING": 2], durations: ["RUNNING": 100, "CYCLING": 100]) == "CYCLING")
        #expect(UserStatistics.mostCommonSport(counts: ["RUNNING": 3, "CYCLING": 2], durations: ["RUNNING": 1, "CYCLING": 100]) == "RUNNING")
        #expect(UserStatistics.compute([]).avgHR == nil)
    }
}

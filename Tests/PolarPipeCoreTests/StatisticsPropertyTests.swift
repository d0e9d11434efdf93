import PropertyBased
import Testing
@testable import PolarPipeCore

/// Invariants of the per-exercise statistics over random sample series, including values no watch writes.
@Suite struct StatisticsPropertyTests {
    /// Strictly increasing times from positive steps, paired with values (the shorter list decides the length).
    static func series(steps: [Double], values: [Double]) -> SampleSeries {
        var s = SampleSeries()
        var t = 0.0
        for (step, v) in zip(steps, values) {
            s.append(t, v)
            t += step
        }
        return s
    }

    static let steps = Gen.double(in: 0.001 ... 120).array(of: 0 ... 400)
    /// Heart rates from impossible to plausible, around the 30–250 filter.
    static let heartRates = Gen.double(in: -50 ... 400).array(of: 0 ... 400)
    /// Physical values a file may hold: the plausible range and absurd ones.
    static let physical = Gen<Double?>.element(of: [1e-17, 0, -5, .nan, .infinity, 1e300, 25, 50, 100, 150, 190, 250, 251])
    static let durations = Gen.double(in: 0 ... 20_000)

    @Test func heartRateSummaryIsOrderedAndZonesAndTRIMPFitTheDuration() async {
        await propertyCheck(input: Self.steps, Self.heartRates, Self.durations, zip(Self.physical, Self.physical)) {
            steps, values, duration, hr in
            var samples = ExerciseSamples()
            samples.heartRate = Self.series(steps: steps, values: values)
            let profile = HeartRateProfile.resolve(session: PhysicalInformation(maxHR: hr.0, restingHR: hr.1), user: nil,
                                                   startLocalMillis: 0)
            let s = ExerciseStatistics.compute(durationS: duration, reportedDistanceM: nil, samples: samples, profile: profile)
            if let low = s.hrMin, let avg = s.hrAvg, let high = s.hrMax {
                #expect(low <= avg && avg <= high)
                #expect(low >= 30 && high <= 250)
            } else {
                #expect(s.hrSamples == 0)
            }
            if let zones = s.hrZonesS {
                #expect(zones.allSatisfy { $0 >= 0 })
                #expect(zones.reduce(0, +) <= duration * (1 + 1e-12) + 1e-9)
            }
            if let trimp = s.trimp {
                #expect(trimp >= 0 && trimp.isFinite)
                // At most 5.1 points a minute (x = 1 for men: 0.64 e^1.92 ≈ 4.37; women 4.57; unknown 4.54).
                #expect(trimp <= duration / 60 * 5.1 + 1e-9)
            }
        }
    }

    /// Distance steps from going backwards to absurd jumps; routes anywhere, including invalid positions.
    static let distanceSteps = Gen.double(in: -100 ... 1e9).array(of: 0 ... 300)
    static let positions = zip(Gen.double(in: -100 ... 100), Gen.double(in: -200 ... 200)).array(of: 0 ... 300)
    static let altitudes = Gen.double(in: -1e6 ... 1e6).array(of: 0 ... 300)

    @Test func distancesGainsAndSplitsStayBounded() async {
        await propertyCheck(input: Self.steps, Self.distanceSteps, Self.positions, Self.altitudes, Self.durations) {
            steps, distanceSteps, positions, altitudes, duration in
            var samples = ExerciseSamples()
            var total = 0.0
            samples.distance = Self.series(steps: steps, values: distanceSteps.map { total += $0; return total })
            var t = 0.0
            for (i, p) in positions.enumerated() {
                samples.route.append(t, p.0, p.1, i < altitudes.count ? altitudes[i] : .nan)
                t += i < steps.count ? steps[i] : 1
            }
            samples.altitude = Self.series(steps: Array(steps.reversed()), values: altitudes)
            samples.speed = Self.series(steps: steps, values: altitudes)
            let s = ExerciseStatistics.compute(durationS: duration, reportedDistanceM: nil, samples: samples)
            for d in [s.distanceM, s.gpsDistanceM, s.elevationGainM, s.elevationLossM, s.movingTimeS].compactMap({ $0 }) {
                #expect(d >= 0 && d.isFinite)
            }
            if let d = s.distanceM { #expect(d <= SamplePlausibility.maxDistanceM(durationS: duration)) }
            if let moving = s.movingTimeS { #expect(moving <= duration * (1 + 1e-12) + 1e-9) }
            let curve = Splits.distanceCurve(samples, durationS: duration)
            let covered = curve.value.last ?? 0
            #expect(covered <= SamplePlausibility.maxDistanceM(durationS: duration))
            #expect(Double(s.splits.count) <= covered / 1000 + 1)
            #expect(s.splits.count <= max(samples.distance.count, samples.route.count) + 1)
            #expect(s.splits.map(\.km) == Array(stride(from: 1, through: s.splits.count, by: 1)))
            for best in [s.best1kmS, s.best5kmS, s.best10kmS].compactMap({ $0 }) { #expect(best >= 0 && best.isFinite) }
        }
    }
}

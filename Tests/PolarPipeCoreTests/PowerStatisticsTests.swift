import Testing
@testable import PolarPipeCore

/// Power and cadence statistics: time-weighted, gaps excluded, NP/IF/TSS against FTP, best efforts, zones.
@Suite struct PowerStatisticsTests {
    static func series(_ values: [Double], from t0: Double = 0) -> SampleSeries {
        SampleSeries(t: values.indices.map { t0 + Double($0) }, value: values)
    }

    @Test func aSteadyHourAt200WattsAgainstAnFTPOf250() throws {
        let power = Self.series(Array(repeating: 200, count: 3_600))
        let s = PowerStatistics.compute(power: power, cadence: SampleSeries(), ftpW: 250, durationS: 3_600)
        #expect(s.avgW == 200 && s.maxW == 200)
        #expect(abs(try #require(s.normalizedW) - 200) < 1e-9)
        #expect(abs(try #require(s.intensityFactor) - 0.8) < 1e-12)
        // TSS = hours × IF² × 100 = 1 × 0.64 × 100.
        #expect(abs(try #require(s.tss) - 64) < 1e-9)
        #expect(s.best5sW == 200 && s.best20minW == 200)
        // 200 W is 80 % of FTP: zone 3 (75–90 %).
        #expect(s.zonesS == [0, 0, 3_600, 0, 0, 0, 0])
    }

    @Test func alternatingEffortsGiveANormalizedPowerAboveTheAverage() throws {
        // 30 s at 400 W, 30 s at 0 W, for an hour: the 30 s rolling mean is a triangle wave between 0 and 400, whose
        // fourth-power mean is 400⁴ / 5, so NP ≈ 400 / 5^¼ = 267.5 W for a smooth wave; with 1 s samples it is 269.77 W
        // (the same definition evaluated in a few lines of Python).
        let values = (0 ..< 3_600).map { ($0 / 30) % 2 == 0 ? 400.0 : 0 }
        let s = PowerStatistics.compute(power: Self.series(values), cadence: SampleSeries(), ftpW: nil, durationS: 3_600)
        #expect(s.avgW == 200)
        let np = try #require(s.normalizedW)
        #expect(abs(np - 269.77) < 0.01, "\(np)")
        #expect(s.best5sW == 400 && s.best1minW == 200)
        #expect(s.intensityFactor == nil && s.tss == nil && s.zonesS == nil)
    }

    @Test func aDropoutAddsNoTimeAndNoBestEffortSpansIt() throws {
        // 10 min at 300 W, 10 min without samples, 10 min at 100 W.
        var power = Self.series(Array(repeating: 300, count: 600))
        let after = Self.series(Array(repeating: 100, count: 600), from: 1_200)
        power.t += after.t
        power.value += after.value
        let s = PowerStatistics.compute(power: power, cadence: SampleSeries(), ftpW: 250, durationS: 1_800)
        #expect(s.avgW == 200)
        #expect(s.best5minW == 300)
        #expect(s.best20minW == nil)
        #expect(s.zonesS?.reduce(0, +) == 1_200)
    }

    @Test func implausibleValuesAndAnImplausibleFTPAreIgnored() {
        let power = SampleSeries(t: [0, 1, 2, 3], value: [200, 1e12, -5, .nan])
        let s = PowerStatistics.compute(power: power, cadence: SampleSeries(t: [0, 1, 2, 3], value: [0, 90, 1e9, 92]),
                                        ftpW: 1e-17, durationS: 4)
        #expect(s.maxW == 200 && s.avgW == 200)
        #expect(s.intensityFactor == nil && s.zonesS == nil)
        // Coasting (0 rpm) is no cadence; 1e9 rpm is ignored.
        #expect(s.cadenceAvg == 91 && s.cadenceMax == 92)
    }

    @Test func anExerciseWithPowerSamplesGetsPowerStatistics() {
        var samples = ExerciseSamples()
        samples.power = Self.series(Array(repeating: 180, count: 600))
        let stats = ExerciseStatistics.compute(durationS: 600, reportedDistanceM: nil, samples: samples,
                                               profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: nil, ftpW: 240))
        #expect(stats.power?.avgW == 180 && stats.power?.intensityFactor == 0.75)
        #expect(ExerciseStatistics.compute(durationS: 600, reportedDistanceM: nil, samples: ExerciseSamples()).power == nil)
    }
}

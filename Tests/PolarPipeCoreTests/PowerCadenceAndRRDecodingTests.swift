import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Power, cadence and R-R intervals are read from every Polar JSON layout that carries them, and give statistics.
@Suite struct PowerCadenceAndRRDecodingTests {
    /// The real AccessLink run carries Polar running power (type 4) and cadence (type 2), 8 240 values each at 1 s.
    /// The expected figures were computed from the file with Python's json module and the definitions in
    /// `PowerStatistics` (samples weighted by min(Δt, 1 s), clipped to the 8 239.604 s duration).
    @Test func theRealAccessLinkRunHasRunningPowerAndCadence() throws {
        let session = try #require(SessionDecoder.decode(try RealSamples.bytes(prefix: "axs192__sample_data")).session)
        let e = try #require(session.exercises.first)
        #expect(e.samples.power.count == 8_240 && e.samples.cadence.count == 8_240)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
        let power = try #require(stats.power)
        #expect(power.maxW == 388 && power.cadenceMax == 93)
        #expect(abs(try #require(power.avgW) - 194.738152) < 1e-5)
        #expect(abs(try #require(power.normalizedW) - 212.445470) < 1e-5)
        #expect(abs(try #require(power.cadenceAvg) - 78.221134) < 1e-5)
        #expect(power.intensityFactor == nil)  // no FTP in the file
    }

    @Test func theOldLayoutReadsCadenceCrankPowerAndRRIntervals() throws {
        let rr = (0 ..< 40).map { i in #"{"duration": "PT0.\#(i % 2 == 0 ? "800" : "820")S", "offline": false}"# }
            + [#"{"duration": "PT0.500S", "offline": true}"#, #"{"duration": "soon"}"#]
        let exercise = """
            {"startTime": "2023-06-17T10:24:56.000", "stopTime": "2023-06-17T10:25:00.000", "timezoneOffset": 180,
             "duration": "PT4S", "sport": "CYCLING",
             "samples": {
               "cadence": [{"dateTime": "2023-06-17T10:24:56.000", "value": 85}, {"dateTime": "2023-06-17T10:24:57.000", "value": 87}],
               "leftPedalCrankBasedPower": [{"dateTime": "2023-06-17T10:24:56.000", "currentPower": 210},
                                            {"dateTime": "2023-06-17T10:24:57.000", "currentPower": 230}],
               "rr": [\(rr.joined(separator: ","))]}}
            """
        let outcome = SessionDecoder.decode(Array(OldLayoutFixtures.session(exercises: [exercise]).utf8))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.samples.cadence == SampleSeries(t: [0, 1], value: [85, 87]))
        #expect(e.samples.power == SampleSeries(t: [0, 1], value: [210, 230]))
        // 40 intervals kept (the offline one and the unreadable one are not), timed by their running sum.
        #expect(e.samples.rr.count == 40 && e.samples.rr.t.first == 0.8 && abs((e.samples.rr.t.last ?? 0) - 32.4) < 1e-9)
        #expect(outcome.diagnostics.contains { $0.code == "malformed-samples" && $0.path.hasSuffix(".rr") })
        // Successive differences alternate ±20 ms: RMSSD 20 ms.
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: nil, samples: e.samples)
        #expect(abs(try #require(stats.hrvRMSSDMs) - 20) < 1e-9)
    }

    @Test func theNewLayoutReadsCadenceAndCrankPower() throws {
        let text = """
            {"identifier": {"id": "s1"}, "startTime": "2026-01-22T18:19:54.000", "durationMillis": 3000,
             "timezoneOffsetMinutes": 60, "exercises": [{"startTime": "2026-01-22T18:19:54.000", "durationMillis": 3000,
               "sport": {"id": "2"}, "samples": {"samples": [
                 {"type": "CADENCE", "intervalMillis": 1000, "values": [80, 82, 84]},
                 {"type": "LEFT_CRANK_CURRENT_POWER", "intervalMillis": 1000, "values": [200, 220, 240]}]}}]}
            """
        let outcome = SessionDecoder.decode(Array(text.utf8))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.samples.cadence.value == [80, 82, 84] && e.samples.power.value == [200, 220, 240])
    }

    @Test func rmssdDropsArtefactsAndNeedsTenDifferences() {
        #expect(HeartRateVariability.rmssd(SampleSeries(t: [1, 2], value: [800, 820])) == nil)
        // A missed beat (1 600 ms) and an implausible 100 ms break the run of differences instead of adding to it.
        let values: [Double] = [800, 810, 800, 810, 800, 810, 1_600, 800, 810, 800, 810, 800, 810, 100, 800, 810]
        let rmssd = HeartRateVariability.rmssd(HeartRateVariability.timed(values))
        #expect(rmssd == 10)
        #expect(HeartRateVariability.timed([800, .nan, -5, 1e12, 810]).value == [800, 810])
    }
}

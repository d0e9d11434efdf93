import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// SPEC §4: a sample weighs min(Δt to the next valid sample, the channel's recording interval), so gaps add no time.
@Suite struct SampleWeightTests {
    /// A 30-minute session at 150 bpm whose strap drops out from minute 15 to minute 25.
    func dropout() -> ExerciseSamples {
        var s = ExerciseSamples()
        for i in 0 ..< 1800 where !(900 ..< 1500).contains(i) { s.heartRate.append(Double(i), 150) }
        return s
    }

    @Test func aTenMinuteDropoutAddsNoTimeToZonesOrTRIMP() throws {
        let profile = HeartRateProfile(maxHR: 200, restingHR: 50, sex: nil)
        let s = ExerciseStatistics.compute(durationS: 1800, reportedDistanceM: nil, samples: dropout(), profile: profile)
        #expect(s.hrSamples == 1200)
        #expect(s.hrZonesS == [0, 0, 1200, 0, 0])  // not 1800: the 600 s without data are in no zone
        // x = (150 − 50)/(200 − 50) = 2/3; 1200 s × (1/60) × x × 0.75 × e^(1.8x), computed with Python's math module.
        #expect(abs((s.trimp ?? 0) - 33.20116922736547) < 1e-9)
    }

    @Test func theRecordingIntervalIsTheMedianStep() {
        #expect(SampleWeights.recordingInterval([0, 1, 2, 3, 600, 601]) == 1)
        #expect(SampleWeights.recordingInterval([0, 5, 10, 15, 20, 300]) == 5)
        #expect(SampleWeights.recordingInterval([0, 1, 3, 5, 7]) == 2)  // steps 1, 2, 2, 2
        #expect(SampleWeights.recordingInterval([0, 1, 2, 4, 6]) == 1)  // steps 1, 1, 2, 2: the lower middle
        #expect(SampleWeights.recordingInterval([7]) == 1)  // 1 Hz unless the file says otherwise
        // Old-layout times carry the start's milliseconds; the interval is rounded to whole milliseconds.
        #expect(SampleWeights.recordingInterval([0.367, 1.367, 2.367, 3.367]) == 1)
    }

    @Test func weightsStopAtTheGapAndInsideTheExercise() {
        #expect(SampleWeights.weights([0, 1, 2, 600, 601]) == [1, 1, 1, 1, 1])
        #expect(SampleWeights.weights([0, 5, 10], durationS: 12) == [5, 5, 2])
        // A sample before the start or after the end counts only inside [0, duration].
        #expect(SampleWeights.weights([-1, 0, 1, 2, 3], durationS: 3) == [0, 1, 1, 1, 0])
        #expect(SampleWeights.weights([]) == [])
    }

    @Test func fiveSecondSamplesWeighFiveSeconds() {
        var s = ExerciseSamples()
        for i in 0 ..< 12 { s.heartRate.append(Double(i * 5), 150) }
        let stats = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: s,
                                               profile: HeartRateProfile(maxHR: 200, restingHR: nil, sex: nil))
        #expect(stats.hrZonesS == [0, 0, 60, 0, 0])
    }

    @Test func movingTimeSkipsTheGapToo() {
        var speed = SampleSeries()
        for i in 0 ..< 1800 where !(900 ..< 1500).contains(i) { speed.append(Double(i), 10) }
        #expect(TrainingLoad.movingTime(speed: speed, route: RouteSeries(), durationS: 1800) == 1200)
        // A GPS outage: points every second, none for ten minutes, then moving again.
        var route = RouteSeries()
        for i in 0 ..< 1800 where !(900 ..< 1500).contains(i) { route.append(Double(i), 60 + Double(i) * 0.00003, 24, .nan) }
        #expect(TrainingLoad.movingTime(speed: SampleSeries(), route: route, durationS: 1800) == 1199)  // the last point has no step
    }

    @Test func theRealRunWithHeartRateHasNoGapsSoEverySampleWeighsOneSecond() throws {
        // leewc 2026-01-22: 1 831 HR values at 1 s, none missing; 1 825 speed values (6 missing).
        let outcome = SessionDecoder.decode(try RealSamples.bytes(prefix: "leewc__training-session-2026-01-22"))
        let e = try #require(outcome.session?.exercises.first)
        #expect(SampleWeights.recordingInterval(e.samples.heartRate.t) == 1)
        let zones = try #require(TrainingLoad.zones(e.samples.heartRate, maxHR: 190, durationS: e.durationS))
        #expect(zones.reduce(0, +) <= e.durationS)
        #expect(SampleWeights.weights(e.samples.heartRate.t, durationS: e.durationS).allSatisfy { $0 == 1 })
    }
}

import Foundation
import Testing
@testable import PolarPipeCore
import PolarPipeTestSupport

/// FIT record temperature as a channel, and the beats an HR strap stores during a swim (`hr` messages) as the
/// swim's heart rate. Expected values from an independent Python reading of the files: one temperature a second
/// (the first of equal times, records from the session's start); the strap's beats timed from the anchor message
/// (`timestamp` + `fractional_timestamp` ↔ `event_timestamp`, then 12-bit event times accumulated), each whole
/// second of an exercise the mean of its beats where the records have no HR, up to the session's elapsed time.
@Suite struct FITTemperatureAndSwimHRTests {
    func exercises(_ name: String) throws -> ([Exercise], [Diagnostic]) {
        let outcome = SessionDecoder.decode(try RealSamples.fitBytes(name))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        return (session.exercises, outcome.diagnostics)
    }

    static let temperatures: [(String, Int, Double, Double, Double)] = [
        ("activity-small-fenix2-run", 2809, 20, 23, 21.207903168387325),
        ("sample-activity-indoor-trainer", 2260, 16, 18, 16.64867256637168),
        ("2019-02-17-062644-ELEMNT", 13450, 2, 15, 3.336431226765799),
    ]

    @Test(arguments: temperatures)
    func recordTemperatureIsKeptAsAChannel(_ name: String, _ count: Int, _ low: Double, _ high: Double, _ mean: Double) throws {
        let (exercises, _) = try exercises(name)
        let temperature = try #require(exercises.first?.samples.temperature)
        #expect(temperature.count == count)
        #expect(temperature.value.min() == low && temperature.value.max() == high)
        #expect(abs(temperature.value.reduce(0, +) / Double(temperature.count) - mean) < 1e-9)
    }

    @Test func aSwimStrapsStoredBeatsBecomeTheSwimsHeartRate() throws {
        let (exercises, diagnostics) = try exercises("sample_mulitple_header")
        #expect(exercises.map(\.sport) == ["OPEN_WATER_SWIMMING", "TRANSITION", "CYCLING", "TRANSITION", "RUNNING"])
        // The records give the swim 6 HR values; the strap's memory, 9 267 beats from 11 minutes before the start
        // into the first 11 minutes of the ride, gives every second of the 1 987.5 s swim.
        #expect(exercises.map(\.samples.heartRate.count) == [1987, 170, 1377, 14, 518])
        let swim = ExerciseStatistics.compute(durationS: exercises[0].durationS, reportedDistanceM: exercises[0].distanceM,
                                              samples: exercises[0].samples)
        #expect(swim.hrSamples == 1987 && swim.hrMin == 138)
        #expect(abs((swim.hrMax ?? 0) - 174.33333333333334) < 1e-9)
        #expect(abs((swim.hrAvg ?? 0) - 165.2033215903372) < 1e-9)
        let ride = exercises[2].samples.heartRate
        #expect(abs(ride.value.reduce(0, +) / Double(ride.count) - 172.58908254659892) < 1e-9)
        // The run has no strap beats: its HR is the records' alone.
        #expect(exercises[4].samples.heartRate.value.max() == 187)
        #expect(diagnostics.contains { $0.code == "fit-time-order" && $0.message.contains("1395 of 9267 beats") })
        // One sample a second, in order.
        #expect(SampleOrdering.isStrictlyIncreasing(exercises[0].samples.heartRate.t))
        #expect(exercises[0].samples.heartRate.t.allSatisfy { $0 == $0.rounded(.down) && $0 >= 0 && $0 <= 1987.521 })
    }

    /// The strap's beats sit in the messages of the first FIT file of the triathlon: bytes changed there (a wrong
    /// anchor, event times, counts, field sizes) give a session or a reason, never a trap, and the HR channel stays
    /// in order from the exercise's start.
    @Test func damagedHrMessagesNeverTrapNorPlaceBeatsOutsideTheirExercise() throws {
        let original = try RealSamples.fitBytes("sample_mulitple_header")
        var random = SeededRandom(seed: 15)
        for _ in 0 ..< 150 {
            var bytes = original
            for _ in 0 ..< 8 { bytes[Int.random(in: 14 ..< 20_000, using: &random)] = UInt8.random(in: 0 ... 255, using: &random) }
            let outcome = SessionDecoder.decode(bytes)
            guard let session = outcome.session else {
                #expect(outcome.firstError != nil)
                continue
            }
            for e in session.exercises {
                #expect(e.samples.heartRate.t.allSatisfy { $0 >= 0 })
                #expect(SampleOrdering.isStrictlyIncreasing(e.samples.heartRate.t))
            }
        }
    }
}

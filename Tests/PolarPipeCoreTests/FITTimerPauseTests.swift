import Foundation
import Testing
@testable import PolarPipeCore
import PolarPipeTestSupport

/// A FIT timer stop followed by a start (`event` messages) is a pause of the exercise (`ExerciseSamples.pauses`), as a
/// GPX segment is: the route leg across it adds no GPS distance. Expected values from an independent reading of the
/// files with Python's fitparse: the timer events' times from the session's start, and a haversine over the records'
/// positions (the first record of each second) that leaves out a leg spanning a restart.
@Suite struct FITTimerPauseTests {
    func exercise(_ name: String) throws -> Exercise {
        let outcome = SessionDecoder.decode(try RealSamples.fitBytes(name))
        return try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
    }

    @Test func theWahooRidesFiftyFiveTimerPausesAreKeptAndLeaveTheirLegsOutOfTheGPSDistance() throws {
        let e = try exercise("2019-02-17-062644-ELEMNT")
        let pauses = e.samples.pauses
        #expect(pauses.count == 55)
        #expect(pauses.value.reduce(0, +) == 10_121)
        #expect(Array(pauses.t.prefix(2)) == [84, 2624] && Array(pauses.value.prefix(2)) == [26, 2529])
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
        // 81 155.46 m with every leg; the legs across the pauses hold 1 631.98 m the rider did not record.
        #expect(abs((stats.gpsDistanceM ?? 0) - 79_523.48055337011) < 1e-6)
    }

    @Test func aStopAllAndAStartInADeviceRelativeFileAreOnePause() throws {
        #expect(try exercise("compressed-speed-distance").samples.pauses == SampleSeries(t: [791], value: [110]))
    }

    @Test func theTimerStopAtTheEndOfARunIsNoPause() throws {
        #expect(try exercise("activity-small-fenix2-run").samples.pauses.isEmpty)
    }
}

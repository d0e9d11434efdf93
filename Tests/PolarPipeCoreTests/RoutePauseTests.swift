import Foundation
import Testing
@testable import PolarPipeCore

/// A paused recording (GPX track segments, a lap's second TCX `Track`) adds no GPS distance, splits or moving time
/// for the straight line between where the watch stopped and where it started again.
@Suite struct RoutePauseTests {
    /// 100 m of latitude, in degrees, on the 6 371 008.8 m sphere.
    static let step = 100 / (Geo.earthRadius * Double.pi / 180)

    /// `points` points 100 m apart northwards from `lat`, one every 30 s from `minute` past 08:00 UTC.
    static func segment(from lat: Double, minute: Int, points: Int) -> String {
        (0 ..< points).map { i in
            let s = minute * 60 + i * 30
            let time = String(format: "2024-05-01T%02d:%02d:%02dZ", 8 + s / 3600, s / 60 % 60, s % 60)
            return GPXDecoderTests.point(lat + Double(i) * step, 25, time)
        }.joined()
    }

    /// 1.5 km in 7.5 minutes, a pause of 52.5 minutes during which the athlete is driven 55.6 km north (0.5°), then
    /// 1.5 km more.
    static let pausedRun = GPXDecoderTests.document("<trk><type>running</type><trkseg>\(segment(from: 60, minute: 0, points: 16))"
        + "</trkseg><trkseg>\(segment(from: 60.5, minute: 60, points: 16))</trkseg></trk>")

    func exercise(_ text: String) throws -> Exercise {
        let outcome = SessionDecoder.decode(Array(text.utf8))
        return try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
    }

    @Test func theSecondSegmentOfAGPXIsAPauseOfTheRecording() throws {
        let e = try exercise(Self.pausedRun)
        #expect(e.samples.pauses == SampleSeries(t: [3600], value: [3150]))  // resumed at 09:00, stopped at 08:07:30
        #expect(e.durationS == 4050)
    }

    @Test func aTwoSegmentGPXCountsNeitherTheGapsKilometresInGPSDistanceNorInSplitsNorInMovingTime() throws {
        let e = try exercise(Self.pausedRun)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
        let gpsDistance = try #require(stats.gpsDistanceM)
        #expect(abs(gpsDistance - 3000) < 1e-6)  // 30 legs of 100 m; the 55.6 km line between the segments is left out
        #expect(abs((stats.distanceM ?? 0) - 3000) < 1e-6)
        #expect(abs((stats.avgSpeedKmh ?? 0) - 3000 / 4050 * 3.6) < 1e-9)
        #expect(stats.splits.map(\.km) == [1, 2, 3])
        #expect(stats.movingTimeS == 900)  // 30 legs of 30 s; the leg across the pause does not move
        // Without the file's distance channel the route's own curve gives the same three kilometres.
        var routeOnly = e.samples
        routeOnly.distance = SampleSeries()
        let fromRoute = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: nil, samples: routeOnly)
        #expect(abs((fromRoute.distanceM ?? 0) - 3000) < 1e-6)
        #expect(fromRoute.splits.map(\.km) == [1, 2, 3])
        #expect(abs((fromRoute.splits.first?.timeS ?? 0) - 300) < 1e-6)
        #expect(abs((fromRoute.best1kmS ?? 0) - 300) < 1e-6)
    }

    @Test func theSameRouteWithoutPausesCountsTheStraightLine() throws {
        // One segment: a gap the file does not call a pause (a GPS outage) keeps its straight line, as before.
        let joined = try exercise(Self.pausedRun.replacingOccurrences(of: "</trkseg><trkseg>", with: ""))
        #expect(joined.samples.pauses.isEmpty)
        let stats = ExerciseStatistics.compute(durationS: joined.durationS, reportedDistanceM: nil, samples: joined.samples)
        let gap = Geo.haversine(60 + 15 * Self.step, 25, 60.5, 25)
        #expect(abs((stats.gpsDistanceM ?? 0) - (3000 + gap)) < 1e-3)
        #expect(gap > 54_000)
    }

    @Test func aLapsSecondTrackInATCXIsAPause() throws {
        func point(_ time: String, _ lat: Double) -> String {
            "<Trackpoint><Time>\(time)</Time><Position><LatitudeDegrees>\(lat)</LatitudeDegrees><LongitudeDegrees>25"
                + "</LongitudeDegrees></Position></Trackpoint>"
        }
        let text = """
            <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>
            <Activity Sport="Running"><Id>2024-05-01T08:00:00Z</Id>
            <Lap StartTime="2024-05-01T08:00:00Z"><TotalTimeSeconds>60</TotalTimeSeconds><Track>\(point("2024-05-01T08:00:00Z", 60))\
            \(point("2024-05-01T08:00:30Z", 60 + Self.step))</Track><Track>\(point("2024-05-01T08:30:00Z", 60.2))\
            \(point("2024-05-01T08:30:30Z", 60.2 + Self.step))</Track></Lap>
            <Lap StartTime="2024-05-01T08:31:00Z"><TotalTimeSeconds>30</TotalTimeSeconds><Track>\(point("2024-05-01T08:31:00Z", 60.2 + 2 * Self.step))\
            </Track></Lap>
            </Activity></Activities></TrainingCenterDatabase>
            """
        let e = try exercise(text)
        // The second Track of the first lap follows a pause; the second lap's Track does not.
        #expect(e.samples.pauses == SampleSeries(t: [1800], value: [1770]))
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: nil, samples: e.samples)
        #expect(abs((stats.gpsDistanceM ?? 0) - 300) < 1e-6)
    }

    @Test func legsAcrossPausesAreThoseWhoseSpanHoldsAResumeTime() {
        let t: [Double] = [0, 10, 20, 30, 40]
        #expect(RoutePauses.legsAcross(t, pauses: SampleSeries()) == [false, false, false, false, false])
        #expect(RoutePauses.legsAcross(t, pauses: SampleSeries(t: [20], value: [5])) == [false, false, true, false, false])
        // A resume time between points marks the leg that spans it; NaN and times outside the route mark nothing.
        #expect(RoutePauses.legsAcross(t, pauses: SampleSeries(t: [35, .nan, -5, 99, 11], value: [1, 1, 1, 1, 1]))
            == [false, false, true, false, true])
    }
}

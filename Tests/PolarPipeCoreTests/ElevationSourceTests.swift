import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// SPEC §4.1: elevation from the barometric ALTITUDE channel first, route (GPS) altitudes only without it.
@Suite struct ElevationSourceTests {
    @Test func barometricAltitudeWinsOverRouteAltitude() {
        var s = ExerciseSamples()
        s.route = RouteSeries(t: [0, 1, 2], latitude: [60, 60.0001, 60.0002], longitude: [24, 24, 24], altitude: [100, 130, 95])
        s.altitude = SampleSeries(t: [0, 1, 2], value: [0, 50, 59])  // leading zero: the altimeter warming up
        let withBoth = ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: s)
        #expect(withBoth.elevationGainM == 9 && withBoth.elevationLossM == 0)
        s.altitude = SampleSeries()
        let routeOnly = ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: s)
        #expect(routeOnly.elevationGainM == 30 && routeOnly.elevationLossM == 35)
    }

    @Test func anAltitudeChannelWithOnlyZerosOrMissingValuesLeavesTheRoute() {
        var s = ExerciseSamples()
        s.route = RouteSeries(t: [0, 1], latitude: [60, 60.0001], longitude: [24, 24], altitude: [100, 110])
        s.altitude = SampleSeries(t: [0, 1], value: [0, 0])
        #expect(ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: s).elevationGainM == 10)
    }

    /// The real AccessLink run (Polar Pacer Pro, 8 240 barometric altitude samples at 1 s, no route). Expected values
    /// from a Python script over the file's `sample_type` 3 `data` string: the SPEC §4.1 hysteresis loop with h = 3 m.
    @Test func realAccessLinkRunUsesItsBarometricAltitude() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(prefix: "axs192__sample_data"))
        let e = try #require(outcome.session?.exercises.first)
        #expect(e.samples.altitude.count == 8240)
        let s = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
        #expect(abs((s.elevationGainM ?? 0) - 242.92999999999995) < 1e-9)
        #expect(abs((s.elevationLossM ?? 0) - 244.91099999999997) < 1e-9)
    }

    @Test func realAccessLinkRunKeepsItsBarometricAltitudeWhenARouteHasNoisyGPSAltitude() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(prefix: "axs192__sample_data"))
        var samples = try #require(outcome.session?.exercises.first).samples
        // GPS altitude that swings ±10 m around the barometer every 10 s.
        for i in stride(from: 0, to: samples.altitude.count, by: 10) {
            samples.route.append(samples.altitude.t[i], 60 + Double(i) * 1e-5, 24, samples.altitude.value[i] + (i % 20 == 0 ? 10 : -10))
        }
        let s = ExerciseStatistics.compute(durationS: 8239.604, reportedDistanceM: 19149, samples: samples)
        #expect(abs((s.elevationGainM ?? 0) - 242.92999999999995) < 1e-9)
        samples.altitude = SampleSeries()
        let gps = ExerciseStatistics.compute(durationS: 8239.604, reportedDistanceM: 19149, samples: samples)
        #expect((gps.elevationGainM ?? 0) > 5000)  // what GPS noise does to the climb
    }

    @Test func newLayoutAltitudeChannelWinsOverWayPointAltitudes() throws {
        let text = """
            {"identifier": {"id": "1"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000, "sport": {"id": "1"},
             "exercises": [{"identifier": {"id": "2"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000,
               "samples": {"samples": [{"type": "ALTITUDE", "intervalMillis": 1000, "values": [20.0, 21.0, 24.5, "NaN", 25.0]}]},
               "routes": {"route": {"startTime": "2026-03-01T08:00:00.000", "wayPoints": [
                 {"latitude": 60, "longitude": 24, "altitude": 10, "elapsedMillis": 0},
                 {"latitude": 60.0001, "longitude": 24, "altitude": 40, "elapsedMillis": 2000}]}}}]}
            """
        let outcome = SessionDecoder.decode(Array(text.utf8))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        let s = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: nil, samples: e.samples)
        #expect(s.elevationGainM == 4.5)  // 20 → 24.5 passes the 3 m hysteresis; GPS would say 30
    }

    @Test func splitsTakeTheirElevationFromTheSameSource() {
        var s = ExerciseSamples()
        for i in 0 ... 300 {
            s.distance.append(Double(i), Double(i) * 4)
            s.altitude.append(Double(i), 100 + Double(i) / 10)
            s.route.append(Double(i), 60 + Double(i) * 1e-5, 24, 500)
        }
        let splits = Splits.compute(s, durationS: 301)
        #expect(splits.count == 1 && splits[0].elevationM == 25)  // barometer 100 → 125 m over 250 s; GPS says 0
    }
}

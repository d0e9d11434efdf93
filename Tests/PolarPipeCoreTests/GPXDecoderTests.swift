import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// GPX files decode to the values their contents give. Expected numbers of the real file were computed with Python's
/// `xml.etree.ElementTree` and a haversine on a 6 371 008.8 m sphere, from the file itself, and written as literals.
@Suite struct GPXDecoderTests {
    static let tpxV1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"

    func decode(_ text: String) -> DecodeOutcome { SessionDecoder.decode(Array(text.utf8)) }

    static func document(_ body: String, namespaces: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <?xml-stylesheet href="track.xsl"?>
        <gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" \(namespaces)>\(body)</gpx>
        """
    }

    static func point(_ lat: Double, _ lon: Double, _ time: String?, _ inner: String = "") -> String {
        "<trkpt lat=\"\(lat)\" lon=\"\(lon)\">" + (time.map { "<time>\($0)</time>" } ?? "") + inner + "</trkpt>"
    }

    @Test func garminConnectRunWithHeartRateExtension() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(named: "tracs__100001.gpx"))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.layout == .gpx)
        #expect(session.deviceID == "Garmin Connect")
        let e = try #require(session.exercises.first)
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2012-10-24T23:29:40.000Z")  // first trkpt, not metadata/time
        #expect(e.tzOffsetMinutes == nil)
        #expect(outcome.warnings.contains { $0.code == "missing-timezone" })
        #expect(e.sport == "OTHER" && outcome.warnings.contains { $0.code == "missing-sport" })
        #expect(e.durationS == 948)  // 23:29:40 → 23:45:28
        #expect(abs((e.distanceM ?? 0) - 3098.533530142614) < 1e-6)
        // 206 points, two at 23:38:09: one sample a time, the first kept.
        #expect(e.samples.route.count == 205 && e.samples.heartRate.count == 205)
        #expect(e.samples.heartRate.value.min() == 130 && e.samples.heartRate.value.max() == 203)
        #expect(e.samples.heartRate.value.reduce(0, +) == 38996)
        #expect(e.samples.route.altitude.first == 25.600000381469727 && e.samples.route.altitude.last == 48.599998474121094)
        #expect(e.samples.altitude.isEmpty)  // GPS elevation is not the barometric channel
        #expect(e.samples.route.t[1] == 20)
    }

    @Test func noDistanceIsAddedAcrossASegmentGap() throws {
        // Two segments 0.01° of latitude long each, the second starting 0.5° (about 55.6 km) further north.
        let seg1 = Self.point(60.00, 25, "2024-05-01T08:00:00Z") + Self.point(60.01, 25, "2024-05-01T08:05:00Z")
        let seg2 = Self.point(60.50, 25, "2024-05-01T09:00:00Z") + Self.point(60.51, 25, "2024-05-01T09:05:00Z")
        let text = Self.document("<trk><type>running</type><trkseg>\(seg1)</trkseg><trkseg>\(seg2)</trkseg></trk>")
        let e = try #require(decode(text).session?.exercises.first)
        let step = Geo.haversine(60.00, 25, 60.01, 25)
        #expect(abs((e.distanceM ?? 0) - 2 * step) < 1e-6)
        #expect(e.samples.distance.t == [0, 300, 3600, 3900])
        #expect(abs(e.samples.distance.value[2] - step) < 1e-6)  // the gap adds nothing
        #expect(e.sport == "RUNNING" && e.sportRaw == "running")
        #expect(e.durationS == 3900)
    }

    @Test(arguments: [("gpxtpx", tpxV1), ("ns3", tpxV1), ("extv2", "http://www.garmin.com/xmlschemas/TrackPointExtension/v2")])
    func extensionValuesAreFoundByNamespaceWhateverThePrefix(_ prefix: String, _ namespace: String) throws {
        let ext = "<extensions><\(prefix):TrackPointExtension><\(prefix):hr>142</\(prefix):hr><\(prefix):cad>81</\(prefix):cad>"
            + "</\(prefix):TrackPointExtension><power>250</power></extensions>"
        let text = Self.document("<trk><trkseg>\(Self.point(1, 2, "2024-05-01T08:00:00Z", ext))"
                                 + "\(Self.point(1, 2.001, "2024-05-01T08:00:01Z"))</trkseg></trk>",
                                 namespaces: "xmlns:\(prefix)=\"\(namespace)\"")
        let e = try #require(decode(text).session?.exercises.first)
        #expect(e.samples.heartRate.value == [142])
        #expect(e.samples.cadence.value == [81])
        #expect(e.samples.power.value == [250])
    }

    @Test func anUndeclaredGpxdataPrefixIsReadByItsLocalName() throws {
        let ext = "<extensions><gpxdata:hr>137</gpxdata:hr><gpxdata:cadence>90</gpxdata:cadence></extensions>"
        let text = Self.document("<trk><trkseg>\(Self.point(1, 2, "2024-05-01T08:00:00Z", ext))"
                                 + "\(Self.point(1, 2.001, "2024-05-01T08:00:01Z", ext))</trkseg></trk>")
        let outcome = decode(text)
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.samples.heartRate.value == [137, 137])
        #expect(e.samples.cadence.value == [90, 90])
        #expect(outcome.warnings.contains { $0.code == "xml-undeclared-prefix" })
    }

    @Test func aTrackWithoutTimesLoadsItsRouteWithAWarning() throws {
        let points = (0 ..< 5).map { Self.point(60 + Double($0) * 0.001, 25, nil, "<ele>\(10 + $0)</ele>") }.joined()
        let text = Self.document("<metadata><time>2024-05-01T08:00:00Z</time></metadata><trk><trkseg>\(points)</trkseg></trk>")
        let outcome = decode(text)
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(outcome.warnings.contains { $0.code == "gpx-no-times" })
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2024-05-01T08:00:00.000Z")
        #expect(e.samples.route.count == 5 && e.samples.route.altitude == [10, 11, 12, 13, 14])
        // No time, no duration: the points keep their order a nominal second apart, and nothing is computed from time.
        #expect(e.durationS == 0 && e.untimed)
        #expect(e.samples.route.t == [0, 1, 2, 3, 4])
        let distance = 4 * Geo.haversine(60, 25, 60.001, 25)
        #expect(abs((e.distanceM ?? 0) - distance) < 1e-3)
        #expect(DurationRule().check(try #require(outcome.session), limits: InputLimits()).isEmpty)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples,
                                               profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: nil))
        #expect(abs((stats.distanceM ?? 0) - distance) < 1e-3 && abs((stats.gpsDistanceM ?? 0) - distance) < 1e-3)
        #expect(stats.elevationGainM == 4)
        #expect(stats.avgSpeedKmh == nil && stats.paceMinPerKm == nil && stats.movingTimeS == nil)
        #expect(stats.hrZonesS == nil && stats.trimp == nil && stats.splits.isEmpty && stats.best1kmS == nil && stats.power == nil)
    }

    @Test func aFileWithNoTimeAtAllIsQuarantined() {
        let text = Self.document("<trk><trkseg>\(Self.point(1, 2, nil))\(Self.point(1, 3, nil))</trkseg></trk>")
        #expect(decode(text).firstError?.code == "gpx-no-times")
    }

    @Test func gpx10WithSpeedAndAnOffsetTime() throws {
        let text = """
            <gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0"><trk><trkseg>\
            <trkpt lat="1" lon="2"><time>2024-05-01T10:00:00+02:00</time><speed>2.5</speed></trkpt>\
            <trkpt lat="1" lon="2.0001"><time>2024-05-01T10:00:01.5+02:00</time><speed>3</speed></trkpt></trkseg></trk></gpx>
            """
        let e = try #require(decode(text).session?.exercises.first)
        #expect(e.tzOffsetMinutes == 120)
        #expect(PolarTime.format(millis: e.startLocalMillis) == "2024-05-01T10:00:00")
        #expect(e.samples.speed == SampleSeries(t: [0, 1.5], value: [9, 10.8]))
    }

    @Test(arguments: [
        ("gpx-no-track", "<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><wpt lat=\"1\" lon=\"2\"/></gpx>"),
        ("xml-invalid", "<gpx version=\"1.1\"><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2024-05-01T08:00:00Z</time>"),
        ("xml-dtd", "<!DOCTYPE gpx SYSTEM \"http://example.invalid/gpx.dtd\"><gpx></gpx>"),
        ("bad-duration", "<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2024-05-01T08:00:00Z</time></trkpt></trkseg></trk></gpx>"),
    ])
    func brokenFilesAreQuarantinedWithTheirReason(_ code: String, _ text: String) {
        let outcome = decode(text)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == code, "\(outcome.diagnostics)")
    }

    @Test func theRoutePointsOfAnAccessLinkGPXAreReadWithThisParser() throws {
        let text = Self.document("<trk><trkseg>\(Self.point(60.17, 24.94, "2024-03-06T12:47:10Z", "<ele>12</ele>"))"
                                 + "<trkpt lat='60.171' lon='24.941'/><trkpt lat='95' lon='24'/></trkseg></trk>")
        let points = try #require(GPXTrack.points(Array(text.utf8)))
        #expect(points == [
            GPXTrack.Point(utcMillis: 1_709_729_230_000, latitude: 60.17, longitude: 24.94, elevation: 12),
            GPXTrack.Point(utcMillis: nil, latitude: 60.171, longitude: 24.941, elevation: nil),
        ])
        #expect(GPXTrack.points(Array("<gpx><trk>".utf8)) == nil)
    }
}

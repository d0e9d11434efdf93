import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// TCX files decode to the values their contents give. Expected numbers of the real file were computed with Python's
/// `xml.etree.ElementTree` from the file itself (not with polarpipe) and written here as literals.
@Suite struct TCXDecoderTests {
    static let tcxNS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    static let extNS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"

    func decode(_ text: String) -> DecodeOutcome { SessionDecoder.decode(Array(text.utf8)) }

    /// A TCX document around `activities` (the content of `<Activities>`), declaring `extraNamespaces`.
    static func document(_ activities: String, extraNamespaces: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- exported by a test -->
        <TrainingCenterDatabase xmlns="\(tcxNS)" \(extraNamespaces)><Activities>\(activities)</Activities></TrainingCenterDatabase>
        """
    }

    static func trackpoint(_ time: String, _ inner: String = "") -> String {
        "<Trackpoint><Time>\(time)</Time>\(inner)</Trackpoint>"
    }

    @Test func polarFlowStrengthSessionLoadsFromItsFirstLap() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.tcx"))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.layout == .tcx)
        #expect(session.deviceID == "Polar V800")
        let e = try #require(session.exercises.first)
        #expect(session.exercises.count == 1)
        #expect(e.sport == "OTHER" && e.sportRaw == "Other")
        #expect(e.externalID == "2017-04-10T17:15:53.000Z")
        // The Id is 1 s before the first lap's StartTime; the lap's start is the exercise's.
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2017-04-10T17:15:54.000Z")
        #expect(e.tzOffsetMinutes == nil)
        #expect(outcome.warnings.contains { $0.code == "missing-timezone" })
        #expect(e.durationS == 2302)  // 214 + 579 + 1509 s of lap TotalTimeSeconds (pauses excluded)
        #expect(e.calories == 311)
        #expect(e.distanceM == nil)  // every lap says 0 m
        #expect(e.samples.heartRate.count == 2302)
        #expect(e.samples.heartRate.t.first == 0)
        #expect(e.samples.heartRate.t.last == 2937.313)  // 18:04:51.313 − 17:15:54: the span includes the pauses
        #expect(e.samples.heartRate.value.min() == 86 && e.samples.heartRate.value.max() == 147)
        #expect(abs(e.samples.heartRate.value.reduce(0, +) / 2302 - 111.80886185925283) < 1e-9)
        // Laps 100/108 over 214 s, 114/147 over 579 s, 112/146 over 1509 s.
        let reported = try #require(e.reportedHR)
        #expect(abs((reported.avg ?? 0) - 111.38748913987837) < 1e-9 && reported.max == 147)
        #expect(e.samples.route.count == 0 && e.samples.altitude.isEmpty)
        #expect(e.raw.contains("\"creator\":\"Polar V800\"") && e.raw.contains("\"startTime\":\"2017-04-10T17:19:54.844Z\""))
    }

    @Test func fractionalSecondTimesKeepTheirMilliseconds() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.tcx"))
        let e = try #require(outcome.session?.exercises.first)
        // Trackpoint 240 of the file is at 17:20:19.844Z, 265.844 s after the lap start.
        #expect(e.samples.heartRate.t[239] == 265.844)
    }

    @Test(arguments: ["ns2", "ns3", "ax"])
    func extensionValuesAreFoundByNamespaceWhateverThePrefix(_ prefix: String) throws {
        let point = Self.trackpoint("2024-05-01T08:00:00Z", """
            <Cadence>88</Cadence><Extensions><\(prefix):TPX><\(prefix):Speed>5.0</\(prefix):Speed>\
            <\(prefix):Watts>231</\(prefix):Watts></\(prefix):TPX></Extensions>
            """)
        let text = Self.document("""
            <Activity Sport="Biking"><Id>2024-05-01T08:00:00Z</Id><Lap StartTime="2024-05-01T08:00:00Z">\
            <TotalTimeSeconds>60</TotalTimeSeconds><Track>\(point)</Track></Lap></Activity>
            """, extraNamespaces: "xmlns:\(prefix)=\"\(Self.extNS)\"")
        let outcome = decode(text)
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.sport == "CYCLING")
        #expect(e.samples.speed.value == [18])  // 5.0 m/s
        #expect(e.samples.power.value == [231])
        #expect(e.samples.cadence.value == [88])
    }

    @Test func aTPXElementOfAnotherNamespaceIsNotRead() throws {
        let point = Self.trackpoint("2024-05-01T08:00:00Z",
                                    "<Extensions><o:TPX><o:Watts>999</o:Watts></o:TPX></Extensions>")
        let text = Self.document("""
            <Activity Sport="Biking"><Lap StartTime="2024-05-01T08:00:00Z"><TotalTimeSeconds>60</TotalTimeSeconds>\
            <Track>\(point)</Track></Lap></Activity>
            """, extraNamespaces: "xmlns:o=\"urn:example:other\"")
        let e = try #require(decode(text).session?.exercises.first)
        #expect(e.samples.power.isEmpty)
    }

    @Test func threeActivitiesAreThreeExercises() throws {
        func activity(_ sport: String, _ start: String) -> String {
            "<Activity Sport=\"\(sport)\"><Id>\(start)</Id><Lap StartTime=\"\(start)\"><TotalTimeSeconds>600</TotalTimeSeconds>"
                + "<DistanceMeters>2000</DistanceMeters><Track>\(Self.trackpoint(start, "<HeartRateBpm><Value>120</Value></HeartRateBpm>"))"
                + "</Track></Lap></Activity>"
        }
        let text = Self.document(activity("Running", "2024-05-01T08:00:00Z") + activity("Biking", "2024-05-01T08:10:00Z")
                                 + activity("Running", "2024-05-01T08:20:00Z"))
        let outcome = decode(text)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.exercises.map(\.sport) == ["RUNNING", "CYCLING", "RUNNING"])
        #expect(session.exercises.map { PolarTime.format(millis: $0.startLocalMillis) }
                == ["2024-05-01T08:00:00", "2024-05-01T08:10:00", "2024-05-01T08:20:00"])
        #expect(session.exercises.map(\.distanceM) == [2000, 2000, 2000])
        // One missing-offset warning for the file, not one an activity.
        #expect(outcome.warnings.filter { $0.code == "missing-timezone" }.count == 1)
    }

    @Test func trackpointsWithOnlyATimeGiveTheDurationButNoSamples() throws {
        let points = (0 ..< 4).map { Self.trackpoint("2024-05-01T08:00:0\($0)Z") }.joined()
            + Self.trackpoint("2024-05-01T08:00:09Z", "<HeartRateBpm><Value>131</Value></HeartRateBpm>")
        let text = Self.document("<Activity Sport=\"Running\"><Lap StartTime=\"2024-05-01T08:00:00Z\"><Track>\(points)</Track></Lap></Activity>")
        let e = try #require(decode(text).session?.exercises.first)
        #expect(e.durationS == 9)  // no lap time: the trackpoints' span
        #expect(e.samples.heartRate == SampleSeries(t: [9], value: [131]))
    }

    @Test func positionAndAltitudeGoToTheRouteAndDistanceIsKept() throws {
        let point = Self.trackpoint("2024-05-01T08:00:02.5Z", """
            <Position><LatitudeDegrees>60.17</LatitudeDegrees><LongitudeDegrees>24.94</LongitudeDegrees></Position>\
            <AltitudeMeters>12.5</AltitudeMeters><DistanceMeters>7.25</DistanceMeters>
            """)
        let text = Self.document("""
            <Activity Sport="Running"><Lap StartTime="2024-05-01T08:00:00Z"><TotalTimeSeconds>3</TotalTimeSeconds>\
            <Track>\(point)</Track></Lap></Activity>
            """)
        let e = try #require(decode(text).session?.exercises.first)
        #expect(e.samples.route == RouteSeries(t: [2.5], latitude: [60.17], longitude: [24.94], altitude: [12.5]))
        #expect(e.samples.altitude.isEmpty)  // GPS altitude is not the barometric channel
        #expect(e.samples.distance == SampleSeries(t: [2.5], value: [7.25]))
        #expect(e.distanceM == 7.25)
    }

    @Test func aTimeWithAnOffsetGivesTheLocalStartAndTheOffset() throws {
        let text = Self.document("""
            <Activity Sport="Running"><Lap StartTime="2024-05-01T10:00:00+02:00"><TotalTimeSeconds>60</TotalTimeSeconds>\
            <Track>\(Self.trackpoint("2024-05-01T08:00:30Z", "<HeartRateBpm><Value>100</Value></HeartRateBpm>"))</Track></Lap></Activity>
            """)
        let outcome = decode(text)
        let e = try #require(outcome.session?.exercises.first)
        #expect(e.tzOffsetMinutes == 120)
        #expect(PolarTime.format(millis: e.startLocalMillis) == "2024-05-01T10:00:00")
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2024-05-01T08:00:00.000Z")
        #expect(e.samples.heartRate.t == [30])
        #expect(!outcome.warnings.contains { $0.code == "missing-timezone" })
    }

    @Test(arguments: [
        ("xml-dtd", "<?xml version=\"1.0\"?><!DOCTYPE TrainingCenterDatabase [<!ENTITY a \"aaaaaaaa\">]><TrainingCenterDatabase>&a;</TrainingCenterDatabase>"),
        ("xml-invalid", "<?xml version=\"1.0\"?><TrainingCenterDatabase><Activities><Activity Sport=\"Running\"><Lap>"),
        ("xml-invalid", "<TrainingCenterDatabase><Activities></Activity></TrainingCenterDatabase>"),
        ("xml-too-deep", "<TrainingCenterDatabase>" + String(repeating: "<a>", count: 80) + String(repeating: "</a>", count: 80) + "</TrainingCenterDatabase>"),
        ("tcx-no-activity", "<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\"><Courses/></TrainingCenterDatabase>"),
        ("missing-field", "<TrainingCenterDatabase><Activities><Activity Sport=\"Running\"><Lap/></Activity></Activities></TrainingCenterDatabase>"),
    ])
    func brokenOrHostileFilesAreQuarantinedWithTheirReason(_ code: String, _ text: String) {
        let outcome = decode(text)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == code, "\(outcome.diagnostics)")
    }

    /// The fuzzer's crash (2026-12-02): a TCX declaring `encoding="UTF-7"` with a malformed body made libxml2 crash
    /// the process (SIGSEGV), and `EBCDIC-US` crashed it with any body. Only UTF-8, ASCII and ISO-8859-1 reach the
    /// parser; a declaration of anything else is refused as `xml-encoding`, whatever follows.
    @Test(arguments: ["UTF-7", "EBCDIC-US", "utf-16", "windows-1252", "x-unknown"])
    func aDeclaredEncodingOtherThanUTF8IsRefusedBeforeTheParser(_ encoding: String) throws {
        let file = try String(decoding: RealSamples.bytes(named: "tracs__200000.tcx"), as: UTF8.self)
            .replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"\(encoding)\"")
        let outcome = decode(file)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == "xml-encoding", "\(outcome.diagnostics)")
        #expect(outcome.firstError?.message.contains("'\(encoding)'") == true)
    }

    @Test func utf8AsciiAndLatin1DeclarationsAreRead() throws {
        let file = try String(decoding: RealSamples.bytes(named: "tracs__200000.tcx"), as: UTF8.self)
        for encoding in ["UTF-8", "utf8", "US-ASCII", "ISO-8859-1"] {
            let outcome = decode(file.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding = '\(encoding)'"))
            #expect(outcome.session?.exercises.count == 1, "\(encoding): \(outcome.diagnostics)")
        }
        #expect(XMLProlog.scan(Array("<?xml version=\"1.0\" encoding=\"UTF-7\"?><gpx/>".utf8))?.declaredEncoding == "UTF-7")
        #expect(XMLProlog.scan(Array("<?xml version=\"1.0\"?><?xml-stylesheet encoding=\"x\"?><gpx/>".utf8))?.declaredEncoding == nil)
    }

    @Test func anExternalEntityIsNeverRead() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-tcx-secret-\(UUID().uuidString)")
        try Data("<Id>leaked</Id>".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        let text = "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY x SYSTEM \"\(secret.absoluteString)\">]>"
            + "<TrainingCenterDatabase><Activities><Activity Sport=\"Running\">&x;</Activity></Activities></TrainingCenterDatabase>"
        let outcome = decode(text)
        #expect(outcome.firstError?.code == "xml-dtd")
        #expect(!outcome.diagnostics.description.contains("leaked"))
    }

    @Test func theElementAndAttributeBudgetIsEnforced() {
        var limits = InputLimits()
        limits.maxFileBytes = 4000  // 314 elements and attributes
        let text = Self.document(String(repeating: "<a/>", count: 500))
        let outcome = SessionDecoder.decode(Array(text.utf8), limits: limits)
        #expect(outcome.firstError?.code == "too-many-values", "\(outcome.diagnostics)")
    }
}

import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// GPX and TCX temperature extensions and Polar Flow CSV's temperature column fill the temperature channel the FIT
/// decoder fills (°C, `exercise_series` channel `temperature`).
@Suite struct TextFormatTemperatureTests {
    static let tpxV1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    static let tpxV2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"

    func exercise(_ text: String) throws -> Exercise {
        let outcome = SessionDecoder.decode(Array(text.utf8))
        return try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
    }

    static func gpx(prefix: String, namespace: String, _ extensions: [String]) -> String {
        let points = extensions.enumerated().map { i, inner in
            GPXDecoderTests.point(60, 25 + Double(i) * 0.001, "2024-05-01T08:00:0\(i)Z",
                                  "<extensions><\(prefix):TrackPointExtension>\(inner)</\(prefix):TrackPointExtension></extensions>")
        }.joined()
        return GPXDecoderTests.document("<trk><trkseg>\(points)</trkseg></trk>", namespaces: "xmlns:\(prefix)=\"\(namespace)\"")
    }

    @Test(arguments: [("gpxtpx", tpxV1), ("ns3", tpxV1), ("extv2", tpxV2)])
    func garminsAirTemperatureIsReadUnderAnyPrefix(_ prefix: String, _ namespace: String) throws {
        let e = try exercise(Self.gpx(prefix: prefix, namespace: namespace, [
            "<\(prefix):atemp>21.5</\(prefix):atemp><\(prefix):hr>120</\(prefix):hr>", "<\(prefix):atemp>-3</\(prefix):atemp>",
            "<\(prefix):hr>121</\(prefix):hr>", "<\(prefix):atemp>22</\(prefix):atemp>",
        ]))
        #expect(e.samples.temperature == SampleSeries(t: [0, 1, 3], value: [21.5, -3, 22]))
        #expect(e.samples.heartRate == SampleSeries(t: [0, 2], value: [120, 121]))
    }

    @Test func waterTemperatureIsTheTemperatureOfAPointWithoutAirTemperature() throws {
        let e = try exercise(Self.gpx(prefix: "gpxtpx", namespace: Self.tpxV1, [
            "<gpxtpx:wtemp>17.25</gpxtpx:wtemp>", "<gpxtpx:wtemp>17</gpxtpx:wtemp><gpxtpx:atemp>25</gpxtpx:atemp>",
            "<gpxtpx:atemp>26</gpxtpx:atemp><gpxtpx:wtemp>18</gpxtpx:wtemp>",
        ]))
        #expect(e.samples.temperature == SampleSeries(t: [0, 1, 2], value: [17.25, 25, 26]))
    }

    @Test func implausibleTemperaturesAreDropped() throws {
        let e = try exercise(Self.gpx(prefix: "gpxtpx", namespace: Self.tpxV1, [
            "<gpxtpx:atemp>500</gpxtpx:atemp>", "<gpxtpx:atemp>nan</gpxtpx:atemp>", "<gpxtpx:atemp>-128</gpxtpx:atemp>",
            "<gpxtpx:atemp>1e400</gpxtpx:atemp>", "<gpxtpx:atemp>warm</gpxtpx:atemp>", "<gpxtpx:atemp>127</gpxtpx:atemp>",
        ]))
        #expect(e.samples.temperature == SampleSeries(t: [5], value: [127]))
    }

    @Test func anUndeclaredGpxdataTemperatureIsRead() throws {
        let points = GPXDecoderTests.point(60, 25, "2024-05-01T08:00:00Z", "<extensions><gpxdata:temp>12.5</gpxdata:temp></extensions>")
            + GPXDecoderTests.point(60, 25.001, "2024-05-01T08:00:01Z", "<extensions><gpxdata:temp>12</gpxdata:temp></extensions>")
        let e = try exercise(GPXDecoderTests.document("<trk><trkseg>\(points)</trkseg></trk>"))
        #expect(e.samples.temperature == SampleSeries(t: [0, 1], value: [12.5, 12]))
    }

    @Test func aTCXTrackpointsTrackPointExtensionTemperatureIsRead() throws {
        func point(_ second: Int, _ inner: String) -> String {
            "<Trackpoint><Time>2024-05-01T08:00:0\(second)Z</Time><HeartRateBpm><Value>130</Value></HeartRateBpm>"
                + "<Extensions>\(inner)</Extensions></Trackpoint>"
        }
        let text = """
            <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:tpe="\(Self.tpxV2)" \
            xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Activities><Activity Sport="Biking">
            <Id>2024-05-01T08:00:00Z</Id><Lap StartTime="2024-05-01T08:00:00Z"><Track>
            \(point(0, "<tpe:TrackPointExtension><tpe:atemp>18.5</tpe:atemp></tpe:TrackPointExtension><ns3:TPX><ns3:Watts>200</ns3:Watts></ns3:TPX>"))
            \(point(1, "<ns3:TPX><ns3:Watts>210</ns3:Watts></ns3:TPX>"))
            \(point(2, "<tpe:TrackPointExtension><tpe:wtemp>19</tpe:wtemp></tpe:TrackPointExtension>"))
            </Track></Lap></Activity></Activities></TrainingCenterDatabase>
            """
        let e = try exercise(text)
        #expect(e.samples.temperature == SampleSeries(t: [0, 2], value: [18.5, 19]))
        #expect(e.samples.power == SampleSeries(t: [0, 1], value: [200, 210]))
    }

    @Test func polarFlowCSVTemperaturesAreTheTemperatureChannel() throws {
        // Values from the file, read with Python's csv module: 2 302 temperatures, 31.4 °C at the start, 29.6 °C at
        // 00:38:21, between 29.5 and 31.6 °C.
        let e = try #require(SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.csv")).session?.exercises.first)
        let t = e.samples.temperature
        #expect(t.count == 2302)
        #expect(t.value.first == 31.4 && t.t.last == 2301 && t.value.last == 29.6)
        #expect(t.value.min() == 29.5 && t.value.max() == 31.6)
        #expect(abs(t.value.reduce(0, +) / 2302 - 30.35139009556946) < 1e-9)
    }
}

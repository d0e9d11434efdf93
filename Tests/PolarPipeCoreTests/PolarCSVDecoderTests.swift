import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Polar Flow CSV files decode to the values their contents give. Expected numbers of the real file were computed
/// with Python's `csv` module from the file itself and written as literals.
@Suite struct PolarCSVDecoderTests {
    static let summaryHeader = "Name,Sport,Date,Start time,Duration,Total distance (km),Average heart rate (bpm),Calories,"
        + "Ascent (m),Height (cm),Weight (kg),HR max,HR sit,VO2max,"

    func decode(_ text: String) -> DecodeOutcome { SessionDecoder.decode(Array(text.utf8)) }

    @Test func polarFlowStrengthSessionLoadsWithItsLocalStart() throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.csv"))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.layout == .polarCSV)
        let e = try #require(session.exercises.first)
        #expect(e.sport == "STRENGTH_TRAINING")
        #expect(PolarTime.format(millis: e.startLocalMillis) == "2017-04-10T19:15:53")  // local: no offset in the file
        #expect(e.tzOffsetMinutes == nil)
        #expect(outcome.warnings.contains { $0.code == "missing-timezone" })
        #expect(e.durationS == 2301)  // 00:38:21
        #expect(e.calories == 311)
        #expect(e.distanceM == nil)
        #expect(e.reportedHR == ReportedHeartRate(avg: 112))
        #expect(e.samples.heartRate.count == 2302)
        #expect(e.samples.heartRate.t.first == 0 && e.samples.heartRate.t.last == 2301)  // pauses removed
        #expect(e.samples.heartRate.value.min() == 86 && e.samples.heartRate.value.max() == 147)
        #expect(abs(e.samples.heartRate.value.reduce(0, +) / 2302 - 111.80886185925283) < 1e-9)
        #expect(session.physical == PhysicalInformation(heightCm: 186, weightKg: 82, maxHR: 190, restingHR: 48, vo2max: 52,
                                                        recordedAtLocalMillis: e.startLocalMillis))
        #expect(e.raw.contains("\"Sport\":\"STRENGTH_TRAINING\""))
    }

    @Test func theCSVAndTheTCXOfOneSessionAgree() throws {
        let csv = try #require(SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.csv")).session?.exercises.first)
        let tcx = try #require(SessionDecoder.decode(try RealSamples.bytes(named: "tracs__200000.tcx")).session?.exercises.first)
        // The same 2 302 heart-rate values in the same order, on two timelines: the CSV's without the pauses.
        #expect(csv.samples.heartRate.value == tcx.samples.heartRate.value)
        #expect(csv.samples.heartRate.t.last == 2301 && tcx.samples.heartRate.t.last == 2937.313)
        // The CSV's local start is 2 h (less the TCX Id's 1 s) after the TCX's UTC start.
        #expect(csv.startLocalMillis - tcx.startUTCMillis == 7_199_000)
    }

    @Test func columnsAreFoundByNameAndQuotedFieldsMayHoldCommas() throws {
        let text = """
            \(Self.summaryHeader)Notes
            "Ann, B.",RUNNING,24.06.2024,18:57:07,01:02:03,10.5,150,700,42,170,60.5,190,50,55,"easy, ""fun"" run"
            Time,Sample rate,Distances (m),Speed (km/h),HR (bpm),Altitude (m),Power (W),Cadence,
            00:00:00,1,0,9.5,120,100.5,,80,
            00:00:01,,2.6,9.7,,100.7,210,81,
            bad,,,,,,,,
            """
        let outcome = decode(text)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        let e = try #require(session.exercises.first)
        #expect(e.sport == "RUNNING")
        #expect(PolarTime.format(millis: e.startLocalMillis) == "2024-06-24T18:57:07")
        #expect(e.durationS == 3723 && e.distanceM == 10_500 && e.calories == 700 && e.ascentM == 42)
        #expect(e.samples.heartRate == SampleSeries(t: [0], value: [120]))
        #expect(e.samples.distance == SampleSeries(t: [0, 1], value: [0, 2.6]))
        #expect(e.samples.speed.value == [9.5, 9.7])
        #expect(e.samples.altitude.value == [100.5, 100.7])  // the watch's barometric altitude
        #expect(e.samples.power == SampleSeries(t: [1], value: [210]))
        #expect(e.samples.cadence.value == [80, 81])
        #expect(e.raw.contains("\"Name\":\"Ann, B.\"") && e.raw.contains("\"Notes\":\"easy, \\\"fun\\\" run\""))
        #expect(outcome.warnings.contains { $0.code == "malformed-samples" })
        #expect(session.physical?.weightKg == 60.5)
    }

    @Test func implausiblePhysicalValuesAreDroppedWithAWarning() throws {
        let text = "\(Self.summaryHeader)\nAnn,RUNNING,24.06.2024,18:57:07,00:30:00,5,140,300,,17000,60,190,50,55,\n"
        let outcome = decode(text)
        let session = try #require(outcome.session)
        #expect(session.physical?.heightCm == nil && session.physical?.weightKg == 60)
        #expect(outcome.warnings.contains { $0.code == "implausible-value" && $0.path == "$.summary.Height (cm)" })
    }

    @Test(arguments: [
        ("bad-timestamp", "Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,2024-06-24,18:57:07,00:30:00,\n"),
        ("bad-timestamp", "Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,31.02.2024,18:57:07,00:30:00,\n"),
        ("missing-field", "Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,,18:57:07,00:30:00,\n"),
        ("csv-no-summary", "Name,Sport,Date,Start time,Duration,\n"),
        ("bad-duration", "Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,24.06.2024,18:57:07,99:99:99,\n"),
        ("missing-field", "Name,Sport,Date,Start time,Duration,\nAnn,,24.06.2024,18:57:07,00:30:00,\n"),
    ])
    func brokenSummariesAreQuarantinedWithTheirReason(_ code: String, _ text: String) {
        let outcome = decode(text)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == code, "\(outcome.diagnostics)")
    }
}

import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Every bundled real file decodes to the values its contents give (computed from the files with an independent
/// JSON reader and written here).
@Suite struct RealSamplesTests {
    func exercise(_ prefix: String) throws -> (TrainingSession, Exercise, DecodeOutcome) {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(prefix: prefix))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        return (session, try #require(session.exercises.first), outcome)
    }

    func stats(_ e: Exercise) -> ExerciseStatistics {
        ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
    }

    @Test func newLayoutOtherIndoorWithNullHeartRateAtTheStart() throws {
        let (session, e, _) = try exercise("leewc__training-session-2024-06-24")
        #expect(session.layout == .flowExportNew)
        #expect(session.exercises.count == 1)
        #expect(e.sport == "OTHER_INDOOR" && e.sportRaw == "83")
        #expect(e.durationS == 3809.774)
        #expect(e.tzOffsetMinutes == -420)
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2024-06-25T01:57:07.000Z")
        #expect(e.distanceM == nil)  // distanceMeters: 0 means none
        #expect(e.samples.heartRate.count == 3744)  // 3810 values, 66 null
        #expect(e.samples.heartRate.t.first == 66)
        #expect(e.samples.route.count == 0)
        let s = stats(e)
        #expect(s.hrSamples == 3744 && s.hrMin == 103 && s.hrMax == 176)
        #expect(abs((s.hrAvg ?? 0) - 144.852297008547) < 1e-9)
        #expect(e.reportedHR == ReportedHeartRate(min: nil, avg: 144, max: 176))  // statistics min 0 = no data
    }

    @Test func newLayoutRunWithoutHeartRateSensor() throws {
        let (_, e, _) = try exercise("leewc__training-session-2025-08-16")
        #expect(e.sport == "RUNNING")
        #expect(e.samples.heartRate.count == 0)  // channel present, every value missing
        #expect(e.samples.route.count == 4455)
        #expect(e.samples.route.t.first == 1.001)
        let s = stats(e)
        #expect(s.hrSamples == 0 && s.hrAvg == nil && s.hrMin == nil)
        #expect(s.distanceM == 11280.54296875)
        #expect(abs((s.gpsDistanceM ?? 0) - 12680.769028969284) < 1e-6)
        #expect(e.reportedHR == nil)
    }

    @Test func newLayoutRunWithHeartRateAndRoute() throws {
        let (session, e, _) = try exercise("leewc__training-session-2026-01-22")
        #expect(session.externalID == "0e06d24f-6090-3b43-5e0f-256cec0e3b40")
        #expect(e.tzOffsetMinutes == -480)
        #expect(e.durationS == 1831.497)
        #expect(e.samples.route.count == 1825)
        #expect(e.samples.route.t.first == 7.003)  // elapsedMillis 7003 from routes.route.startTime
        #expect(e.samples.distance.count == 1825 && e.samples.speed.count == 1825)
        let s = stats(e)
        #expect(s.hrSamples == 1831 && s.hrMin == 91 && s.hrMax == 201)
        #expect(abs((s.hrAvg ?? 0) - 177.69087930092846) < 1e-9)
        #expect(abs((s.gpsDistanceM ?? 0) - 5941.7548496950885) < 1e-6)
        #expect(s.distanceM == 4963.9619140625)
        #expect(!e.raw.contains("wayPoints") && !e.raw.contains("intervalMillis") && e.raw.contains("\"runningIndex\""))
    }

    @Test func newLayoutRunWithoutHeartRateChannel() throws {
        let (_, e, _) = try exercise("leewc__training-session-2026-05-23")
        #expect(e.samples.heartRate.isEmpty)
        #expect(e.samples.route.count == 1383)
        let s = stats(e)
        #expect(s.hrSamples == 0 && s.hrAvg == nil)
        #expect(abs((s.gpsDistanceM ?? 0) - 8637.542923923815) < 1e-6)  // includes the GPS jump
        #expect(s.distanceM == 3349.75390625)
    }

    @Test func accessLinkRun() throws {
        let (session, e, _) = try exercise("axs192__sample_data")
        #expect(session.layout == .accessLink)
        #expect(session.polarUserID == "00000001")
        #expect(session.deviceID == "0BA9FA32")
        #expect(e.externalID == "y7lOpwnJ")
        #expect(e.sport == "RUNNING")
        #expect(e.durationS == 8239.604)
        #expect(e.tzOffsetMinutes == 0)
        #expect(e.distanceM == 19149)
        #expect(e.samples.heartRate.count == 8240)
        #expect(e.samples.altitude.count == 8240 && e.samples.speed.count == 8240 && e.samples.distance.count == 8240)
        let s = stats(e)
        #expect(s.hrSamples == 8240 && s.hrMin == 87 && s.hrMax == 170)
        #expect(abs((s.hrAvg ?? 0) - 149.34235436893204) < 1e-9)
        #expect(e.reportedHR == ReportedHeartRate(avg: 149, max: 170))
        #expect(!e.raw.contains("\"data\""))
    }

    @Test func accessLinkWithoutDistance() throws {
        let (_, e, _) = try exercise("axs192__other_data_sample")
        #expect(e.sport == "MOBILITY_DYNAMIC")
        #expect(e.distanceM == nil)
        #expect(e.durationS == 609.974)
        let s = stats(e)
        #expect(s.hrSamples == 609 && s.hrMin == 91 && s.hrMax == 129)
        #expect(s.distanceM == nil && s.paceMinPerKm == nil)
    }

    /// Random truncations and byte mutations of every real file never crash a decoder.
    @Test func mutationsNeverCrash() throws {
        var rng = SeededRandom(seed: 77)
        for url in try RealSamples.files() {
            let original = [UInt8](try Data(contentsOf: url))
            for round in 0 ..< 60 {
                var bytes = original
                if round % 2 == 0 {
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
                } else {
                    for _ in 0 ..< 1 + Int(rng.next() % 8) {
                        bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                    }
                }
                let outcome = SessionDecoder.decode(bytes)
                #expect(outcome.session != nil || outcome.firstError != nil)
            }
        }
    }
}

@Suite struct NewLayoutAndAccessLinkQuirkTests {
    static func newLayout(values: String, sport: String = "1", route: String = "{}", extraExercise: String = "") -> String {
        """
        {"identifier": {"id": "1"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000, "timezoneOffsetMinutes": 60,
         "sport": {"id": "\(sport)"}, "hrAvg": 0, "hrMax": 0,
         "physicalInformation": {"sex": "SEX_FEMALE", "heightCm": 170, "weightKg": 60, "maximumHeartRate": 190, "restingHeartRate": 50},
         "exercises": [{"identifier": {"id": "2"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000,
           "samples": {"samples": [{"type": "HEART_RATE", "intervalMillis": 1000, "values": \(values)}]},
           "routes": \(route)}\(extraExercise)]}
        """
    }

    @Test func missingValuesAsNaNStringBareNaNAndNull() throws {
        let outcome = SessionDecoder.decode(Array(Self.newLayout(values: #"[100, "NaN", NaN, null, 104.0]"#).utf8))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.samples.heartRate.t == [0, 4])
        #expect(e.samples.heartRate.value == [100, 104])
        #expect(e.reportedHR == nil)  // hrAvg/hrMax 0 = no data
        #expect(e.sport == "RUNNING")
        #expect(e.tzOffsetMinutes == 60)
        let p = try #require(outcome.session?.physical)
        #expect(p.sex == "FEMALE" && p.maxHR == 190 && p.heightCm == 170)
    }

    @Test func unknownSportIdKeepsTheRawValue() throws {
        let e = try #require(SessionDecoder.decode(Array(Self.newLayout(values: "[]", sport: "999").utf8)).session?.exercises.first)
        #expect(e.sport == "SPORT_999" && e.sportRaw == "999")
    }

    @Test func routeIsTimedFromTheRouteStart() throws {
        let route = #"{"route": {"startTime": "2026-03-01T08:00:02.000", "wayPoints": [{"latitude": 60, "longitude": 24, "elapsedMillis": 1001}, {"latitude": 60.001, "longitude": 24, "altitude": 12.5, "elapsedMillis": 2001}]}}"#
        let e = try #require(SessionDecoder.decode(Array(Self.newLayout(values: "[]", route: route).utf8)).session?.exercises.first)
        #expect(e.samples.route.t == [3.001, 4.001])
        #expect(e.samples.route.altitude[0].isNaN && e.samples.route.altitude[1] == 12.5)
    }

    @Test func multisportGivesOneRowPerExercise() throws {
        let second = #", {"startTime": "2026-03-01T09:00:00", "durationMillis": 60000, "sport": {"id": "2"}}"#
        let session = try #require(SessionDecoder.decode(Array(Self.newLayout(values: "[]", sport: "82", extraExercise: second).utf8)).session)
        #expect(session.exercises.map(\.sport) == ["MULTISPORT", "CYCLING"])
        #expect(session.exercises[1].durationS == 60)
    }

    @Test func accessLinkKebabCaseStringSampleTypeAndRoute() throws {
        let text = """
            {"id": 344777249, "upload-time": "2024-03-06T13:26:17.000Z", "polar-user": "https://www.polaraccesslink.com/v3/users/21",
             "start-time": "2024-03-06T15:47:07", "start-time-utc-offset": 180, "duration": "PT1H2M3.5S",
             "sport": "OTHER", "detailed-sport-info": "WALKING", "distance": 2174,
             "heart-rate": {"average": 74, "maximum": 115},
             "samples": [{"sample-type": "0", "recording-rate": 5, "data": "70,,null,75, 80"},
                         {"sample-type": "3", "recording-rate": 5, "data": "10.5,11"}],
             "route": [{"latitude": 60.1, "longitude": 24.9, "time": "PT0S"}, {"latitude": 60.2, "longitude": 24.9, "time": "PT1M0.5S"}]}
            """
        let outcome = SessionDecoder.decode(Array(text.utf8))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        let e = try #require(session.exercises.first)
        #expect(session.layout == .accessLink && session.polarUserID == "21")
        #expect(e.externalID == "344777249")
        #expect(e.durationS == 3723.5)
        #expect(e.tzOffsetMinutes == 180)
        #expect(e.sport == "WALKING" && e.sportRaw == "WALKING")
        #expect(e.samples.heartRate.t == [0, 15, 20])
        #expect(e.samples.heartRate.value == [70, 75, 80])
        #expect(e.samples.altitude.value == [10.5, 11])
        #expect(e.samples.route.t == [0, 60.5])
        #expect(e.reportedHR == ReportedHeartRate(avg: 74, max: 115))
    }
}

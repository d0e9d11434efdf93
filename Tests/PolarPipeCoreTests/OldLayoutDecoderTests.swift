import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

@Suite struct OldLayoutDecoderTests {
    func decode(_ text: String) -> DecodeOutcome { SessionDecoder.decode(Array(text.utf8)) }

    @Test func readsSamplesWhoseMissingValuesHaveNoValueKey() throws {
        let outcome = decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise]))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.layout == .flowExportOld)
        let e = try #require(session.exercises.first)
        // The element without "value" is a missing value; 300 bpm is kept here and rejected by the loader.
        #expect(e.samples.heartRate.t == [0, 2, 3, 4])
        #expect(e.samples.heartRate.value == [86, 300, 95, 89])
        #expect(e.samples.altitude.value == [0, 0, 58, 62.5])
        #expect(e.samples.route.t == [2, 3])
        #expect(e.samples.route.latitude == [60.23398333, 60.23408333])
        #expect(e.samples.route.altitude == [58, 59])
        #expect(e.sport == "RUNNING")
        #expect(e.durationS == 5)
        #expect(e.distanceM == 157.89999389648438)
        #expect(e.reportedHR == ReportedHeartRate(min: 86, avg: 90, max: 95))
    }

    @Test func exerciseOffsetIsLowerCaseAndWinsOverTheSessionOffset() throws {
        let exercise = OldLayoutFixtures.runningExercise.replacingOccurrences(of: "\"timezoneOffset\": 180", with: "\"timezoneOffset\": 120")
        let e = try #require(decode(OldLayoutFixtures.session(exercises: [exercise], sessionOffset: 180)).session?.exercises.first)
        #expect(e.tzOffsetMinutes == 120)
        #expect(e.startUTCMillis == e.startLocalMillis - 120 * 60_000)
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2023-06-17T08:24:56.367Z")
    }

    @Test func sessionOffsetWithCapitalZIsTheFallback() throws {
        let e = try #require(decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise], sessionOffset: -420)).session?.exercises.first)
        #expect(e.tzOffsetMinutes == -420)
        #expect(PolarTime.formatUTC(millis: e.startUTCMillis) == "2023-06-19T01:00:00.000Z")
    }

    @Test func missingOffsetMeansUTCWithAWarning() throws {
        let outcome = decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise], sessionOffset: nil))
        let session = try #require(outcome.session)
        #expect(session.exercises[0].tzOffsetMinutes == nil)
        #expect(session.exercises[0].startUTCMillis == session.exercises[0].startLocalMillis)
        #expect(outcome.warnings.map(\.code) == ["missing-timezone"])
    }

    @Test func manualEntryHasNoSamplesAndNoHeartRate() throws {
        let e = try #require(decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise])).session?.exercises.first)
        #expect(e.samples == ExerciseSamples())
        #expect(e.reportedHR == nil)
        #expect(e.durationS == 14400)
        #expect(e.sport == "TENNIS")
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples)
        #expect(stats.hrSamples == 0 && stats.hrAvg == nil && stats.distanceM == nil && stats.paceMinPerKm == nil)
    }

    @Test func physicalInformationKeysWithCommaAndSpace() throws {
        let text = OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise], extra: OldLayoutFixtures.snapshot)
        let p = try #require(decode(text).session?.physical)
        #expect(p.heightCm == 181)
        #expect(p.weightKg == 77.5)
        #expect(p.sex == "MALE")
        #expect(p.maxHR == 193 && p.restingHR == 48 && p.vo2max == 51)
        #expect(p.birthday == "1990-04-02")
    }

    @Test func multisportGivesOneExercisePerEntry() throws {
        let session = try #require(decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise, OldLayoutFixtures.manualExercise])).session)
        #expect(session.exercises.map(\.sport) == ["RUNNING", "TENNIS"])
    }

    @Test func rawJSONKeepsMetadataButNotSamples() throws {
        let e = try #require(decode(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise])).session?.exercises.first)
        #expect(e.raw.contains("\"sport\": \"RUNNING\""))
        #expect(e.raw.contains("\"exportVersion\": \"2.2\""))
        #expect(!e.raw.contains("dateTime"))
        let reparsed = try JSONParser.parse(Array(e.raw.utf8))
        #expect(reparsed.root["exercises"]?.elements.first(where: { _ in true })?["samples"]?.count == 0)
    }

    @Test(arguments: [
        ("{\"exportVersion\": \"2.2\", \"exercises\": []}", "missing-field"),
        (OldLayoutFixtures.session(exercises: []), "no-exercises"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": \"2023-06-18T18:00:00.000\", \"duration\": \"PT10S\"}"]), "missing-field"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": 5, \"duration\": \"PT10S\", \"sport\": \"RUNNING\"}"]), "wrong-type"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": \"2023-06-18T18:00:00.000\", \"duration\": \"PT0S\", \"sport\": \"RUNNING\"}"]), "bad-duration"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": \"2023-06-18T18:00:00.000\", \"duration\": \"PT2592000S\", \"sport\": \"RUNNING\"}"]), "bad-duration"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": \"2023-06-18T18:00:00.000\", \"duration\": \"-PT5S\", \"sport\": \"RUNNING\"}"]), "bad-duration"),
        (OldLayoutFixtures.session(exercises: ["{\"startTime\": \"2023-06-18T18:00:00.000\", \"stopTime\": \"2023-06-18T17:00:00.000\", \"duration\": \"PT5S\", \"sport\": \"RUNNING\"}"]), "stop-before-start"),
        ("[1, 2]", "wrong-type"),
        ("{\"hello\": 1}", "unknown-layout"),
        ("", "empty-file"),
    ])
    func refusesWithAReason(_ text: String, _ code: String) {
        let outcome = decode(text)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == code, "\(outcome.diagnostics)")
    }

    @Test func utf16IsRefusedAsNotUTF8() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for u in "{\"a\":1}".utf16 { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        #expect(SessionDecoder.decode(bytes).firstError?.code == "not-utf8")
    }

    @Test func generatedSessionsDecodeToTheSamplesWritten() throws {
        let data = SyntheticData(users: 1, sessionsPerUser: 1, seed: 9, durationSeconds: 300)
        let (bytes, generated) = data.makeSession(user: 0, index: 0)
        let e = try #require(SessionDecoder.decode(bytes).session?.exercises.first)
        let expectedHR = generated.heartRate.enumerated().compactMap { i, v in v.map { (Double(i), $0) } }
        #expect(e.samples.heartRate.t == expectedHR.map(\.0))
        #expect(e.samples.heartRate.value == expectedHR.map(\.1))
        #expect(e.samples.route == generated.route)
        #expect(e.tzOffsetMinutes == generated.tzOffsetMinutes)
        #expect(e.startLocalMillis == generated.startLocalMillis)
        #expect(e.distanceM == generated.reportedDistanceM)
    }
}

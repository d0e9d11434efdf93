import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// The decoders drop implausible physical information with a warning and still load the session.
@Suite struct PhysicalPlausibilityTests {
    func newLayout(physical: String) -> DecodeOutcome {
        let text = """
            {"identifier": {"id": "1"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000, "timezoneOffsetMinutes": 60,
             "sport": {"id": "1"}, "physicalInformation": {\(physical)},
             "exercises": [{"identifier": {"id": "2"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 5000,
               "samples": {"samples": [{"type": "HEART_RATE", "intervalMillis": 1000, "values": [150, 151, 152]}]}}]}
            """
        return SessionDecoder.decode(Array(text.utf8))
    }

    func oldLayout(snapshot: String) -> DecodeOutcome {
        SessionDecoder.decode(Array(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise],
                                                              extra: #""physicalInformationSnapshot": {\#(snapshot)},"#).utf8))
    }

    @Test func aMaxHeartRateOf1e17IsDroppedWithAWarningAndTheSessionLoads() throws {
        let outcome = newLayout(physical: #""maximumHeartRate": 1e-17, "restingHeartRate": 50, "weightKg": 60"#)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.physical?.maxHR == nil)
        #expect(session.physical?.restingHR == 50 && session.physical?.weightKg == 60)
        let warning = try #require(outcome.warnings.first { $0.code == "implausible-value" })
        #expect(warning.path == "$.physicalInformation.maximumHeartRate")
        #expect(warning.message.contains("1e-17") && warning.message.contains("100–250"))
        #expect(outcome.firstError == nil)
    }

    @Test func everyOutOfRangeValueOfTheOldSnapshotIsDropped() throws {
        let outcome = oldLayout(snapshot: """
            "dateTime": "2023-07-10T02:14:04.000", "sex": "MALE", "birthday": "2999-01-01", "height, cm": 1e9,
            "weight, kg": -5, "vo2Max": 500, "maximumHeartRate": 1e300, "restingHeartRate": 300,
            "aerobicThreshold": 20, "anaerobicThreshold": 400
            """)
        let p = try #require(outcome.session?.physical, "\(outcome.diagnostics)")
        #expect(p == PhysicalInformation(sex: "MALE", recordedAtLocalMillis: PolarTime.localMillis("2023-07-10T02:14:04.000")))
        let paths = Set(outcome.warnings.filter { $0.code == "implausible-value" }.map(\.path))
        #expect(paths == Set(["birthday", "height, cm", "weight, kg", "vo2Max", "maximumHeartRate", "restingHeartRate",
                              "aerobicThreshold", "anaerobicThreshold"].map { "$.physicalInformationSnapshot." + $0 }))
    }

    @Test func plausibleValuesAreKeptWithoutWarnings() throws {
        let outcome = oldLayout(snapshot: """
            "dateTime": "2023-07-10T02:14:04.000", "birthday": "1990-04-02", "height, cm": 181.0, "weight, kg": 77.5,
            "vo2Max": 51, "maximumHeartRate": 193, "restingHeartRate": 48, "aerobicThreshold": 140, "anaerobicThreshold": 170
            """)
        let p = try #require(outcome.session?.physical)
        #expect(p.birthday == "1990-04-02" && p.heightCm == 181 && p.weightKg == 77.5 && p.vo2max == 51)
        #expect(p.maxHR == 193 && p.restingHR == 48 && p.aerobicThreshold == 140 && p.anaerobicThreshold == 170)
        #expect(!outcome.warnings.contains { $0.code == "implausible-value" })
    }

    @Test func restingAtOrAboveMaxDropsBoth() throws {
        let outcome = newLayout(physical: #""maximumHeartRate": 110, "restingHeartRate": 115"#)
        let p = try #require(outcome.session?.physical)
        #expect(p.maxHR == nil && p.restingHR == nil)
        #expect(outcome.warnings.contains { $0.path == "$.physicalInformation.restingHeartRate" && $0.message.contains("not below") })
    }

    @Test(arguments: [("1899-12-31", false), ("1900-01-01", true), ("2026-03-01", true), ("2026-03-02", false),
                      ("1990-02-30", false), ("02.04.1990", false)])
    func birthdaysFrom1900UpToTheSessionDate(_ birthday: String, _ kept: Bool) throws {
        // The session starts 2026-03-01 and has no later date.
        let outcome = newLayout(physical: "\"birthday\": \"\(birthday)\"")
        let p = try #require(outcome.session?.physical)
        #expect((p.birthday == birthday) == kept)
        #expect(outcome.warnings.contains { $0.path == "$.physicalInformation.birthday" } == !kept)
    }

    @Test(arguments: [(99.0, false), (100.0, true), (250.0, true), (250.5, false)])
    func maxHeartRateBoundsAreInclusive(_ bpm: Double, _ kept: Bool) {
        let (checked, findings) = PhysicalPlausibility.checked(PhysicalInformation(maxHR: bpm), asOfLocalMillis: nil)
        #expect((checked.maxHR == bpm) == kept && findings.isEmpty == kept)
    }
}

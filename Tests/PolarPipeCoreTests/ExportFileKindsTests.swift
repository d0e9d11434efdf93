import Foundation
import Testing
@testable import PolarPipeCore

/// The rule telling the parts of an account export that are no training sessions from sessions and from broken
/// files: a kind needs both its name and its shape.
@Suite struct ExportFileKindsTests {
    static let activity = Array("{\"exportVersion\": \"2.6\", \"date\": \"2025-02-11\", \"summary\": {\"stepCount\": 8412}}".utf8)

    static func kind(_ name: String, _ text: String) -> String? {
        ExportFileKinds.kind(name: name, bytes: Array(text.utf8), limits: InputLimits())?.rawValue
    }

    @Test(arguments: [
        ("activity-2025-02-11-5f0c.json", "{\"exportVersion\": \"2.6\", \"date\": \"2025-02-11\", \"samples\": {}}", "activity"),
        ("polar-user-data-export/Activity-2025-02-11-5f0c (2).json", "{\"date\": \"2025-02-11\", \"summary\": {}}", "activity"),
        ("sleep_result_60000001_2025-02.json", "[{\"night\": \"2025-02-11\"}]", "sleep-result"),
        ("nightly_recovery_blob_60000001.json", "{\"blob\": \"AAEC\"}", "nightly-recovery"),
        ("247ohr_2025_02.json", "{\"deviceDays\": []}", "247-heart-rate"),
        ("generic-period-skin_contact-1.json", "{\"periodType\": \"SKIN_CONTACT\"}", "generic-period"),
        ("training-target-2025-02-12-8d7c.json", "{\"exportVersion\": \"2.6\", \"startTime\": \"2025-02-12T18:00:00.000\", \"exercises\": []}", "training-target"),
        ("account-profile-60000001-4b3a.json", "{}", "account"),
    ])
    func aFileWhoseNameAndShapeAgreeHasItsKind(_ name: String, _ text: String, _ expected: String) {
        #expect(Self.kind(name, text) == expected)
    }

    @Test(arguments: [
        // Claims to be a session: a broken one is quarantined, whatever it holds.
        ("training-session-2025-02-11-1-abc.json", "{\"date\": \"2025-02-11\", \"summary\": {}}"),
        ("training_session_2025-02-11.json", "{}"),
        // Named like a kind, but not JSON, or shaped like a session (a broken session under another name).
        ("activity-2025-02-11-5f0c.json", "{\"date\": \"2025-02-11\", \"summary\": {"),
        ("sleep_score_1.json", "not json"),
        ("activity-2025-02-11-5f0c.json", "{\"date\": \"2025-02-11\", \"summary\": {}, \"durationMillis\": \"x\", \"exercises\": []}"),
        ("account-data-1.json", "{\"exportVersion\": \"2.6\", \"exercises\": [], \"duration\": 5}"),
        ("activity-2025-02-11-5f0c.json", "\"2025-02-11\""),
        // A training target has no duration: with one it is a broken old-layout session.
        ("training-target-1.json", "{\"exportVersion\": \"2.6\", \"exercises\": [], \"duration\": \"PT5S\"}"),
        // A name of no known kind.
        ("notes.json", "{\"date\": \"2025-02-11\", \"summary\": {}}"),
        ("run.json", "{}"),
    ])
    func aFileWhoseNameOrShapeIsNoKnownKindIsNone(_ name: String, _ text: String) {
        #expect(Self.kind(name, text) == nil)
    }

    @Test func aSessionNamedLikeAnotherKindStillDecodesAsASession() throws {
        let session = """
            {"exportVersion": "2.6", "startTime": "2025-02-11T10:00:00.000", "stopTime": "2025-02-11T10:00:05.000",
             "timeZoneOffset": 120, "duration": "PT5.000S",
             "exercises": [{"startTime": "2025-02-11T10:00:00.000", "stopTime": "2025-02-11T10:00:05.000", "timezoneOffset": 120,
                            "duration": "PT5.000S", "sport": "RUNNING", "samples": {}}]}
            """
        let outcome = SessionDecoder.decode(Array(session.utf8))
        #expect(outcome.session?.exercises.count == 1, "\(outcome.diagnostics)")
        #expect(ExportFileKinds.claimsSession("activity-x.json") == false)
        #expect(ExportFileKinds.claimsSession("ann/export/Training-Session-2025.json"))
    }

    @Test func aDeeplyNestedFileNamedLikeAKindIsNotParsedPastTheLimits() {
        var limits = InputLimits()
        limits.maxJSONDepth = 8
        let deep = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(ExportFileKinds.kind(name: "sleep_wake_1.json", bytes: Array(deep.utf8), limits: limits) == nil)
        #expect(ExportFileKinds.kind(name: "sleep_wake_1.json", bytes: Array("[[1]]".utf8), limits: limits) == .sleepWake)
    }
}

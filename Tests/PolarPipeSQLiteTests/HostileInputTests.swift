import Foundation
import GRDB
import Testing
import ZIPFoundation
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

@Suite(.serialized, .timeLimit(.minutes(5))) struct HostileInputTests {
    @Test func everyLayoutLoadsAndEveryHostileFileIsQuarantinedWithItsReason() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let inbox = tmp.workspace.inbox
        let old = OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise], extra: OldLayoutFixtures.snapshot)

        // Valid files of the three layouts.
        for url in try RealSamples.files() {
            let user = url.lastPathComponent.hasPrefix("leewc") ? "leewc" : "axs"
            try tmp.drop(try Data(contentsOf: url), at: "\(user)/\(url.lastPathComponent.split(separator: "_").last!)")
        }
        try SyntheticData(users: 1, sessionsPerUser: 2, seed: 5, durationSeconds: 300).write(to: inbox)
        try tmp.drop(Data([0xEF, 0xBB, 0xBF]) + Data(old.utf8), at: "mallory/bom.json")
        try tmp.drop(NewLayoutAndFriends.bareNaN, at: "mallory/bare-nan.json")
        try tmp.drop(NewLayoutAndFriends.outOfRange, at: "mallory/out-of-range.json")

        // A real export zip: two sessions plus files that are not training sessions.
        // The same real session as leewc's, re-exported for another user (different bytes, same content).
        let session = Array(String(decoding: try RealSamples.bytes(prefix: "leewc__training-session-2026-01-22"), as: UTF8.self)
            .replacingOccurrences(of: "\"Running\"", with: "\"Morning run\"").utf8)
        let zipEntries: [(String, Data)] = [
            ("training-session-2026-01-22T18:19:54-0e06d24f-6090-3b43-5e0f-256cec0e3b40-3cd69a3c.json", Data(session)),
            ("training-session-2023-06-17-1-abc.json", Data(old.replacingOccurrences(of: "2023-06-17T10:2", with: "2023-06-18T10:2").utf8)),
            ("activity-2026-01-22-1.json", Data("{\"exportVersion\": \"2.6\", \"date\": \"2026-01-22\"}".utf8)),
            ("account-data-1-x.json", Data("{}".utf8)),
        ]
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("zoe"), withIntermediateDirectories: true)
        try makeZip(inbox.appendingPathComponent("zoe/polar-user-data-export_1234.zip"), zipEntries)

        // The hostile corpus: file → reason code.
        var expected: [String: String] = [:]
        func hostile(_ name: String, _ data: Data, _ reason: String) throws {
            try tmp.drop(data, at: "mallory/" + name)
            expected["quarantine/mallory/" + name] = reason
        }
        for item in try HostileCorpus.files(old: old) {
            try hostile(item.name, item.data, item.reason)
        }
        try FileManager.default.createSymbolicLink(at: inbox.appendingPathComponent("mallory/link.json"),
                                                   withDestinationURL: URL(fileURLWithPath: "/etc/hostname"))
        expected["quarantine/mallory/link.json"] = "symlink"
        try tmp.drop(old, at: "orphan.json")
        expected["quarantine/unknown-user/orphan.json"] = "unknown-user"
        try tmp.drop("half", at: "mallory/upload.json.part")

        let filesIn = tmp.files(under: inbox).count
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store) { $0.limits.maxFileBytes = 3 << 20 }.run(runID: "hostile").outcome
        #expect(outcome.state == .success, "\(outcome)")

        // Every hostile file sits in quarantine with its reason; nothing else is there.
        for (path, reason) in expected {
            let sidecar = tmp.workspace.url(path + ".reason.json")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any]
            #expect(json?["reason"] as? String == reason, "\(path)")
            #expect(FileMoves.isSymlink(tmp.workspace.url(path)) || FileManager.default.fileExists(atPath: tmp.workspace.url(path).path), "\(path)")
        }
        let quarantined = tmp.files(under: tmp.workspace.quarantine).filter { !$0.hasSuffix(".reason.json") }
            + (FileMoves.isSymlink(tmp.workspace.url("quarantine/mallory/link.json")) ? ["quarantine/mallory/link.json"] : [])
        #expect(Set(quarantined) == Set(expected.keys))
        // Files in = archived + quarantined + still settling; nothing left in staging.
        let archived = tmp.files(under: tmp.workspace.processed)
        #expect(archived.count + Set(quarantined).count + 1 == filesIn)
        #expect(tmp.files(under: tmp.workspace.inbox) == ["inbox/mallory/upload.json.part"])
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
        #expect(archived.contains { $0.hasSuffix("/zoe/polar-user-data-export_1234.zip") })

        try await store.queue.read { (db: Database) throws in
            func exercise(_ user: String, _ startUTC: String) throws -> Row? {
                try Row.fetchOne(db, sql: """
                    SELECT e.sport, e.layout, s.hr_samples, s.hr_min, s.hr_max, s.gps_points, e.hr_samples_rejected, e.gps_points_rejected,
                        (SELECT COUNT(*) FROM heart_rate_samples h WHERE h.exercise_id = e.id) AS hr_rows
                    FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id JOIN users u ON u.id = e.user_id
                    WHERE u.user_key = ? AND e.start_time_utc = ?
                    """, arguments: [user, startUTC])
            }
            let indoor = try #require(try exercise("leewc", "2024-06-25T01:57:07.000Z"))
            #expect(indoor["hr_samples"] as Int == 3744 && indoor["hr_rows"] as Int == 3744)
            #expect(indoor["sport"] as String == "OTHER_INDOOR" && indoor["layout"] as String == "flow-export-v2")
            let noSensor = try #require(try exercise("leewc", "2025-08-17T00:12:22.000Z"))
            #expect(noSensor["hr_samples"] as Int == 0 && (noSensor["hr_min"] as Double?) == nil && noSensor["gps_points"] as Int == 4455)
            let run = try #require(try exercise("axs", "2026-02-22T07:50:17.000Z"))
            #expect(run["hr_samples"] as Int == 8240 && run["hr_min"] as Double == 87 && run["hr_max"] as Double == 170)
            #expect(run["layout"] as String == "accesslink-v3")
            let zipped = try #require(try exercise("zoe", "2026-01-23T02:19:54.000Z"))
            #expect(zipped["hr_samples"] as Int == 1831)
            let fromOld = try #require(try exercise("zoe", "2023-06-18T07:24:56.367Z"))
            #expect(fromOld["hr_samples"] as Int == 3)
            let rejected = try #require(try exercise("mallory", "2026-03-01T07:00:00.000Z"))
            #expect(rejected["hr_samples"] as Int == 2 && rejected["hr_samples_rejected"] as Int == 1)
            #expect(rejected["gps_points"] as Int == 1 && rejected["gps_points_rejected"] as Int == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises e JOIN users u ON u.id = e.user_id WHERE u.user_key = 'mallory'") == 3)
            #expect(try String.fetchOne(db, sql: "SELECT polar_user_id FROM users WHERE user_key = 'axs'") == "00000001")
            #expect(try String.fetchOne(db, sql: "SELECT reason FROM ingested_files WHERE original_path = 'zoe/polar-user-data-export_1234.zip'")
                    == "zip: 2 training sessions, 2 other entries skipped")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE status = 'pending'") == 0)
        }
    }

    @Test func filesStillBeingWrittenAreNotClaimed() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let text = OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise])
        let settled = try tmp.drop(text, at: "ann/settled.json")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-600)], ofItemAtPath: settled.path)
        try tmp.drop(text.replacingOccurrences(of: "2023-06-17T10:2", with: "2023-06-19T10:2"), at: "ann/just-written.json")
        try tmp.drop("{", at: "ann/upload.part")
        try tmp.drop("{", at: "ann/copy.tmp")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store) { $0.settleSeconds = 60 }.run(runID: "settle").outcome.state == .success)
        #expect(tmp.files(under: tmp.workspace.inbox) == ["inbox/ann/copy.tmp", "inbox/ann/just-written.json", "inbox/ann/upload.part"])
        #expect(try await store.files(runID: "settle").map(\.originalPath) == ["ann/settled.json"])
    }

    @Test func theSameSessionFromThreeLayoutsLoadsOnce() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        // 2026-03-01 08:00 local at +60 min, running, 5 s — as an old-layout export, a new-layout export (start 1 s
        // later, as the new layout drops milliseconds) and an AccessLink download.
        let old = OldLayoutFixtures.session(exercises: [
            OldLayoutFixtures.runningExercise
                .replacingOccurrences(of: "2023-06-17T10:2", with: "2026-03-01T08:0")
                .replacingOccurrences(of: "\"timezoneOffset\": 180", with: "\"timezoneOffset\": 60"),
        ])
        try tmp.drop(old, at: "kim/old.json")
        try tmp.drop(NewLayoutAndFriends.newLayout(durationMillis: 5000, start: "2026-03-01T08:04:57"), at: "kim/new.json")
        try tmp.drop("""
            {"id": "abc", "upload_time": "2026-03-01T09:00:00Z", "polar_user": "https://www.polaraccesslink.com/v3/users/7",
             "start_time": "2026-03-01T08:04:56", "start_time_utc_offset": 60, "duration": "PT5S", "sport": "RUNNING",
             "detailed_sport_info": "RUNNING", "samples": [{"recording_rate": 1, "sample_type": 0, "data": "90,91,92,93,94"}]}
            """, at: "kim/accesslink.json")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: "dups").outcome
        #expect(outcome.state == .success)
        #expect(outcome.outputs["extract_exercise_metadata"]?.counts == ["exercises": 1, "duplicate_exercises": 2, "replaced_exercises": 0])
        try await store.queue.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") == 1)
            #expect(try String.fetchAll(db, sql: "SELECT original_path || ':' || status FROM ingested_files ORDER BY original_path")
                    == ["kim/accesslink.json:loaded", "kim/new.json:duplicate", "kim/old.json:duplicate"])  // the first claimed (by name) loads
        }
        #expect(tmp.files(under: tmp.workspace.processed).count == 3)
    }
}

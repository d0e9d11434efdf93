import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The real FIT files and generated ones go through the whole DAG into a real SQLite file: the truncated one is
/// quarantined with its reason, the rest are loaded with their samples and statistics.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FITPipelineTests {
    @Test func realAndGeneratedFITFilesLoadIntoSQLite() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        for url in try RealSamples.fitFiles() {
            try tmp.drop(try Data(contentsOf: url), at: "rider/" + url.lastPathComponent)
        }
        var generated: [GeneratedSession] = []
        try SyntheticData(users: 1, sessionsPerUser: 3, seed: 9, durationSeconds: 900, layout: .fit)
            .write(to: tmp.workspace.inbox) { generated.append($0) }
        let sessions = generated
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: "fit").outcome
        #expect(outcome.state == .success, "\(outcome)")

        try await store.queue.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT original_path FROM ingested_files WHERE status = 'quarantined'")
                    == ["rider/fitparse__activity-unexpected-eof.fit"])
            let reason = try String.fetchOne(db, sql: "SELECT reason FROM ingested_files WHERE status = 'quarantined'") ?? ""
            #expect(reason.contains("fit-truncated"), "\(reason)")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE status = 'loaded'") == 6 + 3)
            // fenix, Wahoo, indoor trainer, Stryd, Forerunner 70: one each; the triathlon 5; 3 generated.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises WHERE layout = 'fit'") == 10 + 3)
            func value<T: DatabaseValueConvertible>(_ sql: String, _ file: String) throws -> T? {
                try T.fetchOne(db, sql: sql + " FROM exercises e JOIN ingested_files f ON f.id = e.file_id "
                               + "LEFT JOIN exercise_statistics s ON s.exercise_id = e.id WHERE f.original_path LIKE ? ORDER BY e.exercise_index",
                               arguments: ["%" + file + "%"])
            }
            // The fenix run: fitdecode reads 2808 HR values, max 178 bpm, 2809 positions; the watch says 9008.22 m.
            #expect(try value("SELECT s.hr_max", "fenix2") as Double? == 178)
            #expect(try value("SELECT s.gps_points", "fenix2") as Int? == 2809)
            #expect(try value("SELECT e.distance_m", "fenix2") as Double? == 9008.22)
            #expect(try value("SELECT e.tz_offset_min", "fenix2") as Int? == 120)
            #expect(try value("SELECT e.start_time_utc", "fenix2") as String? == "2015-08-15T14:45:08.000Z")
            // The Wahoo ride's power channel: 13346 values.
            #expect(try value("SELECT (SELECT x.samples FROM exercise_series x WHERE x.exercise_id = e.id AND x.channel = 'power')",
                              "ELEMNT") as Int? == 13346)
            #expect(try value("SELECT e.sport", "mulitple_header") as String? == "OPEN_WATER_SWIMMING")
            // The fenix's record temperature is a channel; the swim's HR is the strap's stored beats, one a second.
            #expect(try value("SELECT (SELECT x.samples FROM exercise_series x WHERE x.exercise_id = e.id AND x.channel = 'temperature')",
                              "fenix2") as Int? == 2809)
            #expect(try value("SELECT s.hr_samples", "mulitple_header") as Int? == 1987)
            #expect(try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM exercises e JOIN ingested_files f ON f.id = e.file_id
                WHERE f.original_path LIKE '%mulitple_header%'
                """) == 5)
            for g in sessions {
                #expect(try value("SELECT s.hr_samples", g.relativePath) as Int?
                        == g.exercises[0].heartRate.compactMap { $0 }.filter { $0 >= 30 && $0 <= 250 }.count, "\(g.relativePath)")
            }
        }
    }
}

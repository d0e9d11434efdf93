import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// A mixed generated inbox (three layouts, multisport sessions, export archives, odd file names) goes through the
/// whole DAG into a real SQLite file with nothing lost and nothing quarantined.
@Suite(.serialized, .timeLimit(.minutes(5))) struct GeneratedLayoutsPipelineTests {
    @Test func mixedZippedOddlyNamedInboxLoadsEverySessionOfEveryLayout() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        var generated: [GeneratedSession] = []
        let data = SyntheticData(users: 3, sessionsPerUser: 6, seed: 77, durationSeconds: 720, layout: .mixed,
                                 multisportShare: 0.5, zip: true, oddNames: true)
        try data.write(to: tmp.workspace.inbox) { generated.append($0) }
        let sessions = generated
        #expect(Set(generated.map(\.layout)) == [.old, .new, .accesslink])
        #expect(generated.contains { $0.exercises.count == 2 })
        let archives = Set(generated.compactMap(\.archivePath))
        #expect(!archives.isEmpty)

        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: "mixed").outcome
        #expect(outcome.state == .success, "\(outcome)")
        #expect(tmp.files(under: tmp.workspace.quarantine).isEmpty)

        try await store.queue.read { (db: Database) throws in
            for layout in [SyntheticLayout.old, .new, .accesslink] {
                let expected = sessions.filter { $0.layout == layout }.reduce(0) { $0 + $1.exercises.count }
                let stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises WHERE layout = ?",
                                              arguments: [layout.polarLayout?.rawValue])
                #expect(stored == expected, "\(layout)")
            }
            let validHR = sessions.reduce(0) { $0 + $1.exercises.reduce(0) { $0 + $1.validHeartRate.count } }
            #expect(try Int.fetchOne(db, sql: "SELECT SUM(hr_samples) FROM exercise_statistics") == validHR)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heart_rate_samples") == validHR)
            for archive in archives {
                let inArchive = sessions.filter { $0.archivePath == archive }.count
                #expect(try String.fetchOne(db, sql: "SELECT reason FROM ingested_files WHERE original_path = ?", arguments: [archive])
                        == "zip: \(inArchive) training sessions, 4 other entries skipped", "\(archive)")
            }
            let loose = sessions.filter { $0.archivePath == nil }.map(\.relativePath)
            let loaded = try String.fetchAll(db, sql: "SELECT original_path FROM ingested_files WHERE status = 'loaded'")
            #expect(Set(loose).isSubset(of: Set(loaded)))
            // AccessLink files name their Polar user; the exports' physical information reached the users table.
            let syncing = Set(sessions.filter { $0.layout == .accesslink }.map(\.userKey)).count
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE polar_user_id IS NOT NULL") == syncing)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE max_hr IS NOT NULL") == 3)
        }
    }
}

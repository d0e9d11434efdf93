import Foundation
import PolarPipeCore
import GRDB
@testable import PolarPipeSQLite
import PolarPipeTestSupport
import Testing

/// The same sessions as Polar JSON, FIT, TCX, GPX and Polar Flow CSV (the generator writes each session in every
/// format, with each format's own clock quirks) load once.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CrossFormatDuplicateTests {
    /// In one shard, and in shards of 2 files run 3 at once: then a richer copy in one shard replaces an exercise
    /// while another shard loads its samples or computes its statistics, and those writes must leave nothing behind.
    @Test(arguments: [64, 2]) func theSameSessionsInFiveFormatsLoadOnce(shardFiles: Int) async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let layouts: [SyntheticLayout] = [.old, .fit, .tcx, .gpx, .csv]
        for layout in layouts {
            try SyntheticData(users: 1, sessionsPerUser: 3, seed: 11, durationSeconds: 900, layout: layout, multisportShare: 0)
                .write(to: tmp.workspace.inbox)
        }
        #expect(tmp.files(under: tmp.workspace.inbox).count == 15)
        let outcome = try await makeRunner(tmp, store) {
            $0.shardLimits = ShardLimits(files: shardFiles)
            $0.parallelism = 3
        }.run(runID: "five").outcome
        #expect(outcome.state == .success)
        #expect(try await store.allExerciseIDs().count == 3)
        let orphans = try await store.queue.read { db in
            try ["heart_rate_samples", "gps_route_points", "exercise_series", "exercise_splits", "exercise_statistics"].map { table in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE exercise_id NOT IN (SELECT id FROM exercises)") ?? -1
            }
        }
        #expect(orphans == [0, 0, 0, 0, 0])
        let report = try await ImportReport.load(runID: "five", store: store).total
        #expect(report.quarantinedCount == 0 && report.skippedCount == 0, "\(report.quarantined)")
        #expect(report.loaded + report.duplicates == 15)
        #expect(report.duplicates >= 12 - report.richer_copies)
        // Each stored exercise has its statistics, and the database equals a rebuild.
        let snapshot = try await DatabaseSnapshot.of(store, files: false)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        #expect(try await DatabaseSnapshot.of(store, files: false) == snapshot)
    }
}

import Foundation
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport
import Testing

/// The same sessions as Polar JSON, FIT, TCX, GPX and Polar Flow CSV (the generator writes each session in every
/// format, with each format's own clock quirks) load once.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CrossFormatDuplicateTests {
    @Test func theSameSessionsInFiveFormatsLoadOnce() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let layouts: [SyntheticLayout] = [.old, .fit, .tcx, .gpx, .csv]
        for layout in layouts {
            try SyntheticData(users: 1, sessionsPerUser: 3, seed: 11, durationSeconds: 900, layout: layout, multisportShare: 0)
                .write(to: tmp.workspace.inbox)
        }
        #expect(tmp.files(under: tmp.workspace.inbox).count == 15)
        let outcome = try await makeRunner(tmp, store).run(runID: "five").outcome
        #expect(outcome.state == .success)
        #expect(try await store.allExerciseIDs().count == 3)
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

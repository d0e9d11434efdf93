import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The pages written by real runs, read as an athlete would: finished runs, local times, one section per sport.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReportPagesTests {
    func page(_ tmp: TemporaryWorkspace, _ path: String) throws -> String {
        try String(contentsOf: tmp.workspace.reports.appendingPathComponent(path), encoding: .utf8)
    }

    /// A workspace after one successful run `runID` over `data`, and its store.
    func loaded(_ name: String, _ data: SyntheticData, runID: String) async throws -> (TemporaryWorkspace, SQLiteStore) {
        let tmp = try TemporaryWorkspace(name)
        try data.write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: runID).outcome.state == .success)
        return (tmp, store)
    }

    /// The row of `runID` in the dashboard's table of runs.
    func runRow(_ index: String, _ runID: String) -> String {
        guard let start = index.range(of: "<td>\(runID)</td>") else { return "" }
        return String(index[start.lowerBound...].prefix { $0 != "\n" }.prefix(400))
    }

    @Test func theDashboardWrittenByARunShowsThatRunFinished() async throws {
        let (tmp, _) = try await loaded("finished", SyntheticData(users: 1, sessionsPerUser: 2, seed: 3, durationSeconds: 300), runID: "first")
        defer { tmp.remove() }
        let row = runRow(try page(tmp, "index.html"), "first")
        #expect(row.contains("state-success\">success") && row.contains("10/10 done"), "\(row)")
        #expect(!row.contains("running"))
    }

    @Test func theDashboardWrittenInTaskModeShowsTheRunFinished() async throws {
        let tmp = try TemporaryWorkspace("finished-tasks")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 2, seed: 4, durationSeconds: 300).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store)
        let runID = "manual__2026-12-01T20:00:00+00:00"
        for task in try TrainingPipeline.graph().tasks {
            _ = try await runner.runTask(task.id, runID: runID)
        }
        let row = runRow(try page(tmp, "index.html"), runID)
        #expect(row.contains("state-success\">success") && row.contains("10/10 done"), "\(row)")
    }

    @Test func aManualEntryShowsItsSummaryInTheWatchsLocalTimeAndNoEmptyCharts() async throws {
        let tmp = try TemporaryWorkspace("manual")
        defer { tmp.remove() }
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]), at: "ann/tennis.json")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "manual").outcome.state == .success)
        let exercise = try page(tmp, "exercises/1.html")
        #expect(exercise.contains("<title>Tennis — 2023-06-18 18:00 (+03:00)</title>"))
        #expect(exercise.contains("<b>4 h 00 min</b><span>duration</span>"))
        #expect(exercise.contains("no heart-rate or GPS samples"))
        #expect(!exercise.contains("<svg") && !exercise.contains("No data yet") && !exercise.contains("<h2>Splits</h2>"))
        #expect(!exercise.contains("<span>TRIMP</span>"))  // no heart rate, no training load
        let user = try page(tmp, "users/ann.html")
        #expect(user.contains("2023-06-18 18:00 (+03:00)") && user.contains("<h2>Tennis</h2>") && !user.contains("TENNIS<"))
        #expect(user.contains("zones and training load need a heart-rate sensor"))
    }

    @Test func aSessionWithoutAnOffsetSaysSo() async throws {
        let tmp = try TemporaryWorkspace("no-offset")
        defer { tmp.remove() }
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise], sessionOffset: nil), at: "ann/no-offset.json")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "no-offset").outcome.state == .success)
        #expect(try page(tmp, "exercises/1.html").contains("<title>Tennis — 2023-06-18 18:00 (offset unknown)</title>"))
    }

    @Test func theUserPageHasOneSectionPerSportWithItsOwnRecordsAndUnits() async throws {
        let (tmp, store) = try await loaded("sports", SyntheticData(users: 1, sessionsPerUser: 14, seed: 21, durationSeconds: 1_500), runID: "sports")
        defer { tmp.remove() }
        let user = try #require(try await store.user(key: "athlete-01"))
        let exercises = try await store.recentExercises(userID: user.id, limit: 100)
        let sports = Set(exercises.map(\.exercise.sport))
        #expect(sports.count >= 2, "\(sports)")
        let records = try await store.userRecords(userID: user.id)
        #expect(Set(records.map(\.sport)) == sports)
        #expect(!records.contains { SportKind(sport: $0.sport) != .onFoot && $0.record.hasPrefix("fastest_") })
        for r in records {
            // Each record is held by an exercise of its own sport.
            #expect(exercises.first { $0.exercise.id == r.exerciseID }?.exercise.sport == r.sport)
        }
        let html = try page(tmp, "users/athlete-01.html")
        for sport in sports {
            #expect(html.contains("<h2>\(SportNames.displayName(sport))</h2>"), "\(sport)")
            #expect(!html.contains(">\(sport)<"), "\(sport) shown as a code")
        }
        #expect(html.contains("Training time per week, all sports") && html.contains("against"))
        if sports.contains("CYCLING") { #expect(html.contains(" km/h")) }
        if sports.contains("RUNNING") { #expect(html.contains(" /km")) }
        #expect(html.contains(" bpm"))
    }

    /// A database from before `v7-records-per-sport` (records over all sports, without `sport`) opened by the CLI:
    /// each kept record takes its exercise's sport and a fastest kilometre set on a bike is dropped.
    @Test func recordsFromBeforeTheSportColumnTakeTheirExercisesSportAndLoseBikeKilometres() throws {
        let tmp = try TemporaryWorkspace("records-migration")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 14, seed: 21, durationSeconds: 600).write(to: tmp.workspace.inbox)
        let root = tmp.workspace.root.path
        #expect(try PolarPipeExecutable.run(["run", "--workspace", root, "--quiet"]).status == 0)
        // Only this connection is open while the table is turned back into its old shape.
        try DatabaseQueue(path: tmp.workspace.databaseFile.path).write { db in
            let ride = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM exercises WHERE sport = 'CYCLING' LIMIT 1"))
            let run = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM exercises WHERE sport = 'RUNNING' LIMIT 1"))
            try db.execute(sql: """
                DROP TABLE user_records;
                CREATE TABLE user_records(user_id INTEGER NOT NULL REFERENCES users(id), record TEXT NOT NULL, value REAL NOT NULL,
                    exercise_id INTEGER NOT NULL, achieved_at TEXT NOT NULL, PRIMARY KEY (user_id, record));
                INSERT INTO user_records VALUES (1, 'longest_distance', 60000, \(ride), '2026-01-05T08:00:00.000Z'),
                    (1, 'fastest_5km', 420, \(ride), '2026-01-05T08:00:00.000Z'),
                    (1, 'fastest_1km', 250, \(run), '2026-01-06T08:00:00.000Z');
                DELETE FROM grdb_migrations WHERE identifier = 'v7-records-per-sport';
                """)
        }
        let stats = try PolarPipeExecutable.run(["stats", "user", "athlete-01", "--json", "--workspace", root])
        #expect(stats.status == 0, "\(stats.output)")
        struct View: Decodable { var records: [String: Double]; var records_by_sport: [String: [String: Double]] }
        let view = try JSONDecoder().decode(View.self, from: Data(stats.output.utf8))
        #expect(view.records_by_sport == ["CYCLING": ["longest_distance": 60000], "RUNNING": ["fastest_1km": 250]])
        #expect(view.records == ["longest_distance": 60000, "fastest_1km": 250])
    }
}

import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// What a test expects of one generated exercise, computed from the generated samples (not by polarpipe).
struct Expected {
    var hrCount: Int
    var hrMin: Double?
    var hrMax: Double?
    var hrSum: Double
    var gpsCount: Int
    var rejectedHR: Int

    init(_ g: GeneratedSession) {
        let present = g.heartRate.compactMap { $0 }
        let valid = present.filter { $0 >= 30 && $0 <= 250 }
        hrCount = valid.count
        hrMin = valid.min()
        hrMax = valid.max()
        hrSum = valid.reduce(0, +)
        rejectedHR = present.count - valid.count
        gpsCount = g.route.count
    }
}

func makeRunner(_ tmp: TemporaryWorkspace, _ store: SQLiteStore, retries: Int = 0,
                configure: (inout PipelineConfiguration) -> Void = { _ in }) -> PipelineRunner {
    var config = PipelineConfiguration()
    config.retryPolicy = RetryPolicy(retries: retries, delaySeconds: 0.01)
    configure(&config)
    return PipelineRunner(workspace: tmp.workspace, store: store, configuration: config, logger: TemporaryWorkspace.quietLogger)
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct PipelineEndToEndTests {
    @Test func loadsGeneratedInboxWithExactCountsAndStatistics() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        var generated: [GeneratedSession] = []
        try SyntheticData(users: 3, sessionsPerUser: 3, seed: 42, durationSeconds: 900).write(to: tmp.workspace.inbox) { generated.append($0) }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)

        let outcome = try await makeRunner(tmp, store).run(runID: "run-1").outcome
        #expect(outcome.state == .success, "\(outcome)")
        #expect(outcome.taskStates.values.allSatisfy { $0 == .success })
        // The run's end copied the WAL into the database and cut it short: what is left is the page or two written
        // after that (the lease's release), not the run's megabytes.
        #expect(FileMoves.size(URL(fileURLWithPath: tmp.workspace.databaseFile.path + "-wal")) < 64 << 10)

        let sessions = generated
        try await store.queue.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") == 9)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") == 3)
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_size") == 16_384)  // a new database
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT status FROM ingested_files") == ["loaded"])
            for g in sessions {
                let e = Expected(g)
                let utc = g.startLocalMillis - Int64(g.tzOffsetMinutes) * 60_000
                let row = try #require(try Row.fetchOne(db, sql: """
                    SELECT e.id, e.tz_offset_min, e.sport, e.hr_samples_rejected,
                        (SELECT COUNT(*) FROM heart_rate_samples h WHERE h.exercise_id = e.id) AS hr,
                        (SELECT MIN(bpm) FROM heart_rate_samples h WHERE h.exercise_id = e.id) AS hr_min_rows,
                        (SELECT COUNT(*) FROM gps_route_points p WHERE p.exercise_id = e.id) AS gps,
                        s.hr_samples, s.hr_min, s.hr_max, s.hr_avg, s.distance_m, s.gps_points, s.elevation_gain_m
                    FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
                    JOIN users u ON u.id = e.user_id WHERE u.user_key = ? AND e.start_utc_ms = ?
                    """, arguments: [g.userKey, utc]))
                #expect(row["hr"] as Int == e.hrCount)
                #expect(row["hr_samples"] as Int == e.hrCount)
                #expect(row["hr_samples_rejected"] as Int == e.rejectedHR)
                #expect(row["hr_min"] as Double? == e.hrMin)
                #expect(row["hr_min_rows"] as Double? == e.hrMin)
                #expect(row["hr_max"] as Double? == e.hrMax)
                #expect(abs((row["hr_avg"] as Double? ?? 0) - e.hrSum / Double(e.hrCount)) < 1e-9)
                #expect(row["gps"] as Int == e.gpsCount)
                #expect(row["gps_points"] as Int == e.gpsCount)
                #expect(row["tz_offset_min"] as Int == g.tzOffsetMinutes)
                #expect(row["sport"] as String == g.sport)
                #expect(row["distance_m"] as Double == g.reportedDistanceM)
                #expect((row["elevation_gain_m"] as Double? ?? 0) > 0)
            }
        }

        // User totals equal the sums of the generated sessions.
        for key in Set(generated.map(\.userKey)) {
            let mine = generated.filter { $0.userKey == key }
            let user = try #require(try await store.user(key: key))
            let stats = try #require(try await store.userStatistics(userID: user.id))
            #expect(stats.totalExercises == mine.count)
            #expect(abs(stats.totalDistanceM - mine.map(\.reportedDistanceM).reduce(0, +)) < 1e-6)
            #expect(abs(stats.totalDurationS - mine.map(\.durationS).reduce(0, +)) < 1e-6)
            let hrSum = mine.map { Expected($0).hrSum }.reduce(0, +)
            let hrCount = mine.map { Expected($0).hrCount }.reduce(0, +)
            #expect(abs((stats.avgHR ?? 0) - hrSum / Double(hrCount)) < 1e-9)
            #expect(user.physical.maxHR != nil && user.physical.heightCm != nil)
        }
        let global = try #require(try await store.latestGlobalStatistics())
        #expect(global.totalUsers == 3)
        #expect(global.totalExercises == 9)
        #expect(global.totalHRSamples == generated.map { Expected($0).hrCount }.reduce(0, +))
        #expect(global.totalGPSPoints == generated.map(\.route.count).reduce(0, +))
        #expect(abs(global.totalDistanceM - generated.map(\.reportedDistanceM).reduce(0, +)) < 1e-6)
        #expect(global.sportDistribution.map(\.exercises).reduce(0, +) == 9)
        // Zones and TRIMP use the max and resting HR of the session's physical information; every exercise has them.
        let loads = try await store.queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercise_statistics WHERE trimp > 0 AND hr_zone1_s IS NOT NULL AND moving_time_s > 0")
        }
        #expect(loads == 9)
        let weekly = try await store.globalWeekly()
        #expect(weekly.map(\.exercises).reduce(0, +) == 9)
        #expect(weekly.allSatisfy { $0.activeUsers >= 1 && $0.activeUsers <= 3 })

        // Every file archived under processed/YYYY/MM/<user-key>/; inbox and staging empty; reports written.
        let archived = tmp.files(under: tmp.workspace.processed)
        #expect(archived.count == 9)
        let month = PolarTime.format(millis: Clock.nowMillis()).prefix(7).replacingOccurrences(of: "-", with: "/")
        #expect(archived.allSatisfy { $0.hasPrefix("processed/\(month)/athlete-0") })
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
        #expect(tmp.files(under: tmp.workspace.stagingRoot).isEmpty)
        let reports = tmp.files(under: tmp.workspace.reports)
        #expect(reports == (1 ... 9).map { "reports/exercises/\($0).html" } + ["reports/index.html", "reports/summary.csv", "reports/summary.json",
                            "reports/users/athlete-01.html", "reports/users/athlete-02.html", "reports/users/athlete-03.html"])
        // Every user has records; each exercise page draws its route and lists its complete kilometres.
        for key in ["athlete-01", "athlete-02", "athlete-03"] {
            let user = try #require(try await store.user(key: key))
            let records = try await store.userRecords(userID: user.id).map(\.record)
            #expect(records.contains("longest_distance") && records.contains("fastest_1km"))
        }
        let page = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("exercises/1.html"), encoding: .utf8)
        let splits = try await store.splits(exerciseID: 1)
        #expect(page.contains("<path d=\"M") && !splits.isEmpty && page.contains("<td class=\"n\">\(splits.count)</td>"))
        let csv = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("summary.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 4)

        // The statistics of a run equal a full rebuild from the samples.
        let before = try await statisticsSnapshot(store)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        let rebuilt = try await statisticsSnapshot(store)
        #expect(rebuilt == before, "\(Set(rebuilt).symmetricDifference(before).sorted().prefix(4))")

        // A second delivery of the same files changes nothing but is recorded and archived as duplicates.
        for g in generated {
            let original = try #require(archived.first { $0.hasSuffix((g.relativePath as NSString).lastPathComponent) })
            try tmp.drop(try Data(contentsOf: tmp.workspace.url(original)), at: g.relativePath)
        }
        let second = try await makeRunner(tmp, store).run(runID: "run-2").outcome
        #expect(second.state == .success)
        let counts = try await store.queue.read { (db: Database) throws in
            [try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heart_rate_samples"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingested_files WHERE run_id = 'run-2' AND status = 'duplicate'")]
        }
        #expect(counts == [9, global.totalHRSamples, 9])
        #expect(tmp.files(under: tmp.workspace.processed).count == 18)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
        #expect(try await statisticsSnapshot(store) == before)
    }

    func statisticsSnapshot(_ store: SQLiteStore) async throws -> [String] {
        try await DatabaseSnapshot.of(store, files: false)
    }

    @Test func incrementalStatisticsOverSeveralBatchesEqualARebuild() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 3, sessionsPerUser: 4, seed: 43, durationSeconds: 600).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let runner = makeRunner(tmp, store) { $0.maxExercisesPerRun = 5 }
        for batch in 1 ... 3 {
            #expect(try await runner.run(runID: "batch-\(batch)").outcome.state == .success)
        }
        #expect(try await store.allExerciseIDs().count == 12)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
        let incremental = try await statisticsSnapshot(store)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        let rebuilt = try await statisticsSnapshot(store)
        #expect(rebuilt == incremental, "\(Set(rebuilt).symmetricDifference(incremental).sorted().prefix(4))")
    }

    @Test func emptyInboxRunSucceedsAndChangesNothing() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: "empty").outcome
        #expect(outcome.state == .success)
        #expect(outcome.taskStates.values.allSatisfy { $0 == .skipped })
        try await store.queue.read { (db: Database) throws in
            for table in ["users", "exercises", "ingested_files", "global_statistics", "heart_rate_samples"] {
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") == 0)
            }
        }
        #expect(tmp.files(under: tmp.workspace.reports).isEmpty)
    }

    @Test func badFilesAreQuarantinedWithAReasonBesideGoodOnes() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise], extra: OldLayoutFixtures.snapshot), at: "ann/good.json")
        try tmp.drop("{\"exportVersion\": \"2.2\", \"exercises\": [", at: "ann/truncated.json")
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]), at: "orphan.json")
        try tmp.drop("still being written", at: "ann/upload.json.part")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: "q").outcome
        #expect(outcome.state == .success)
        #expect(tmp.files(under: tmp.workspace.quarantine) == [
            "quarantine/ann/truncated.json", "quarantine/ann/truncated.json.reason.json",
            "quarantine/unknown-user/orphan.json", "quarantine/unknown-user/orphan.json.reason.json",
        ])
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.workspace.quarantine.appendingPathComponent("ann/truncated.json.reason.json"))) as? [String: Any]
        #expect(sidecar?["reason"] as? String == "invalid-json")
        #expect(sidecar?["run_id"] as? String == "q")
        let orphan = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.workspace.quarantine.appendingPathComponent("unknown-user/orphan.json.reason.json"))) as? [String: Any]
        #expect(orphan?["reason"] as? String == "unknown-user")
        #expect(tmp.files(under: tmp.workspace.inbox) == ["inbox/ann/upload.json.part"])
        try await store.queue.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status || ':' || COALESCE(reason, '') FROM ingested_files ORDER BY original_path")
                    == ["loaded:", "quarantined:invalid-json", "quarantined:unknown-user"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heart_rate_samples") == 3)  // 86, 95, 89; 300 rejected
            #expect(try Int.fetchOne(db, sql: "SELECT hr_samples_rejected FROM exercises") == 1)
            #expect(try Double.fetchOne(db, sql: "SELECT height_cm FROM users WHERE user_key = 'ann'") == 181)
        }
    }

    @Test func secondRunWhileOneIsActiveIsRefusedAndTouchesNothing() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 3, durationSeconds: 120).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        // A live process (this one) holds the lease for another run.
        let holder = try await store.acquireLease(runID: "active", owner: PipelineRunner.currentOwner(), now: Clock.nowMillis(),
                                                  ttlMillis: 60_000, isStale: { _ in false })
        #expect(holder == nil)
        await #expect(throws: PipelineError.self) { try await makeRunner(tmp, store).run(runID: "second").outcome }
        #expect(try await store.run("second") == nil)
        #expect(tmp.files(under: tmp.workspace.inbox).count == 1)
        // A lease whose process is gone is taken over at once, even before it expires.
        try await store.queue.write { db in try db.execute(sql: "UPDATE run_lease SET owner_pid = 999999") }
        let outcome = try await makeRunner(tmp, store).run(runID: "third").outcome
        #expect(outcome.state == .success)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
    }

    @Test func taskWithARealFaultIsRetriedThenTheRunFails() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 1, seed: 4, durationSeconds: 120).write(to: tmp.workspace.inbox)
        // The reports folder is a file: generate_reports cannot write.
        try? FileManager.default.removeItem(at: tmp.workspace.reports)
        try Data("not a folder".utf8).write(to: tmp.workspace.reports)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        var config = PipelineConfiguration()
        config.retryPolicy = RetryPolicy(retries: 2, delaySeconds: 0.01)
        let runner = PipelineRunner(workspace: Workspace(tmp.workspace.root), store: store, configuration: config,
                                    logger: TemporaryWorkspace.quietLogger)
        let outcome = try await runner.run(runID: "faulty").outcome
        #expect(outcome.state == .failed)
        #expect(outcome.failedTask == "generate_reports")
        #expect(outcome.tries["generate_reports"] == 3)
        #expect(outcome.taskStates["cleanup_and_archive"] == .upstreamFailed)
        let instances = try await store.taskInstances(runID: "faulty")
        #expect(instances.filter { $0.taskID == "generate_reports" }.map(\.state) == [.upForRetry, .upForRetry, .failed])
        #expect(instances.first { $0.taskID == "cleanup_and_archive" }?.state == .upstreamFailed)
        #expect(try await store.run("faulty")?.state == .failed)
        // Nothing is lost: the claimed file is still in the run's staging folder, under its ledger row's id.
        let row = try #require(try await store.files(runID: "faulty").first)
        #expect(row.state == .loaded && row.originalPath.hasPrefix("athlete-01/"))
        #expect(FileManager.default.fileExists(atPath: tmp.workspace.claimedFile("faulty", id: row.id, originalPath: row.originalPath).path))
    }
}

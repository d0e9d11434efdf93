import Foundation
import PolarPipeCore
import PolarPipePostgres
import PolarPipeTestSupport
import PostgresNIO
import Testing

/// The whole pipeline on PostgreSQL: the same inbox gives the same database as on SQLite, sample tables are
/// partitioned by month, raw JSON is JSONB, and the command line runs against it (including a read replica).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: Backend.available.contains(.postgres)))
struct PostgresPipelineTests {
    /// Generated old-layout sessions and every bundled real file (the 2026 layout with its bare `NaN`s, AccessLink).
    static func fillInbox(_ workspace: Workspace, batch: Int) throws {
        if batch == 1 {
            try SyntheticData(users: 3, sessionsPerUser: 3, seed: 71, durationSeconds: 900).write(to: workspace.inbox)
            let real = workspace.inbox.appendingPathComponent("real-athlete", isDirectory: true)
            try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
            for file in try RealSamples.files() {
                try FileManager.default.copyItem(at: file, to: real.appendingPathComponent(file.lastPathComponent))
            }
        } else {
            try SyntheticData(users: 2, sessionsPerUser: 2, seed: 72, durationSeconds: 600, firstDay: (2026, 3, 2)).write(to: workspace.inbox)
        }
    }

    @Test func theSameInboxGivesTheSameDatabaseOnSQLiteAndPostgreSQL() async throws {
        try await withStore(.sqlite, "equal-sqlite") { sqlite in
            try await withStore(.postgres, "equal-postgres") { postgres in
                for batch in 1 ... 2 {
                    for opened in [sqlite, postgres] {
                        try Self.fillInbox(opened.tmp.workspace, batch: batch)
                        let outcome = try await opened.runner().run(runID: "batch-\(batch)").outcome
                        #expect(outcome.state == .success, "\(opened.backend): \(outcome)")
                    }
                }
                let expected = try await StoreSnapshot.of(sqlite.store)
                #expect(expected.filter { $0.hasPrefix("exercise ") }.count == 9 + 6 + 4)
                #expect(try await StoreSnapshot.of(postgres.store) == expected)
                #expect(try await StoreSnapshot.files(postgres.store) == StoreSnapshot.files(sqlite.store))
                #expect(try await postgres.store.latestGlobalStatistics()?.totalUsers == 4)

                // A rebuild from the stored samples gives the same statistics again.
                _ = try await StatisticsRebuild.run(store: postgres.store, now: Clock.nowMillis())
                #expect(try await StoreSnapshot.of(postgres.store) == expected)
            }
        }
    }

    @Test func samplesArePartitionedByMonthAndRawIsJSONB() async throws {
        try await withStore(.postgres, "partitions") { opened in
            try Self.fillInbox(opened.tmp.workspace, batch: 1)
            #expect(try await opened.runner().run(runID: "run-1").outcome.state == .success)
            let store = try #require(opened.store as? PostgresStore)
            var months = Set<String>()
            var hrTotal = 0, gpsTotal = 0
            for id in try await store.allExerciseIDs() {
                let e = try #require(try await store.exercise(id: id))
                months.insert(String(PolarTime.formatUTC(millis: e.startUTCMillis).prefix(7)))
                let samples = try await store.samples(exerciseID: id)
                hrTotal += samples.heartRate.count
                gpsTotal += samples.route.count
            }
            #expect(months.count >= 5)  // the generated January sessions and the real files of 2024–2026
            for (table, total) in [("heart_rate_samples", hrTotal), ("gps_route_points", gpsTotal)] {
                var partitions: [String: Int] = [:]
                let rows = try await store.client.query("""
                    SELECT tableoid::regclass::text, COUNT(*)::bigint FROM \(unescaped: table) GROUP BY 1
                    """).decode((String, Int64).self)
                for try await (name, count) in rows { partitions[name] = Int(count) }
                let expectedNames = Set(months.map { "\(table)_y\($0.prefix(4))m\($0.suffix(2))" })
                // Every month with samples has its partition, and no other partition exists.
                #expect(Set(partitions.keys).isSubset(of: expectedNames) && !partitions.isEmpty, "\(partitions.keys.sorted())")
                #expect(partitions.values.reduce(0, +) == total && total > 0)
            }
            // Raw JSON is JSONB: queryable, and the bare NaN of the 2026 layout became null.
            let rows = try await store.client.query("""
                SELECT COUNT(*)::bigint, COUNT(*) FILTER (WHERE jsonb_typeof(raw) = 'object')::bigint,
                    COUNT(*) FILTER (WHERE raw::text LIKE '%NaN%')::bigint FROM exercises
                """).decode((Int64, Int64, Int64).self)
            for try await (all, objects, nans) in rows {
                #expect(all == 9 + 6 && objects == all && nans == 0)
            }
        }
    }

    @Test func theCommandLineRunsOnPostgreSQLAndReadsFromAReplica() async throws {
        let server = try #require(Backend.postgresServer)
        let primary = "pp_cli_" + String(UInt32.random(in: 0 ... .max)), replica = primary + "_replica"
        let tmp = try TemporaryWorkspace("postgres-cli")
        defer { tmp.remove() }
        let primaryURL = try await PostgresAdmin.createDatabase(primary, serverURL: server)
        let replicaURL = PostgresAdmin.url(server, database: replica)
        defer {
            Task {
                try? await PostgresAdmin.dropDatabase(primary, serverURL: server)
                try? await PostgresAdmin.dropDatabase(replica, serverURL: server)
            }
        }
        let ws = tmp.workspace.root.path
        try SyntheticData(users: 2, sessionsPerUser: 2, seed: 81, durationSeconds: 300).write(to: tmp.workspace.inbox)
        // The URL can come from the environment as well as from --database.
        let run = try PolarPipeExecutable.run(["run", "--workspace", ws, "--retries", "0", "--quiet"], environment: ["POLARPIPE_DATABASE_URL": primaryURL])
        #expect(run.status == 0, "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: tmp.workspace.databaseFile.path))  // no SQLite file was made

        // A copy of the database at this moment stands in for a replica that lags behind.
        try await PostgresAdmin.copyDatabase(primary, to: replica, serverURL: server)
        try SyntheticData(users: 1, sessionsPerUser: 3, seed: 82, durationSeconds: 300, firstDay: (2026, 4, 6)).write(to: tmp.workspace.inbox)
        #expect(try PolarPipeExecutable.run(["run", "--workspace", ws, "--database", primaryURL, "--retries", "0", "--quiet"]).status == 0)

        func totalExercises(_ extra: [String]) throws -> Int? {
            let out = try PolarPipeExecutable.run(["stats", "global", "--json", "--workspace", ws, "--database", primaryURL] + extra)
            let json = try JSONSerialization.jsonObject(with: Data(out.output.utf8)) as? [String: Any]
            return (json?["statistics"] as? [String: Any])?["total_exercises"] as? Int ?? json?["total_exercises"] as? Int
        }
        #expect(try totalExercises([]) == 7)
        #expect(try totalExercises(["--read-database", replicaURL]) == 4)
        let runs = try PolarPipeExecutable.run(["runs", "list", "--workspace", ws, "--database", primaryURL])
        #expect(runs.status == 0 && runs.output.components(separatedBy: "success").count - 1 == 2, "\(runs.output)")
        let bad = try PolarPipeExecutable.run(["runs", "list", "--workspace", ws, "--database", "postgres://nobody:secret@127.0.0.1:1/none"])
        #expect(bad.status != 0 && bad.output.contains("cannot open") && !bad.output.contains("secret"), "\(bad.output)")
    }
}

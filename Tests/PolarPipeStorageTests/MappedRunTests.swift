import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport

/// The DAG mapped over shards, on each backend: many small shards, several instances at once (on PostgreSQL each
/// with its own connection, recording exercises and COPYing samples concurrently), must give the database of a run
/// with one shard; task mode runs each instance by its map index, as Airflow does.
@Suite(.serialized, .timeLimit(.minutes(10))) struct MappedRunTests {
    static let data = SyntheticData(users: 3, sessionsPerUser: 6, seed: 71, durationSeconds: 300, layout: .mixed,
                                    multisportShare: 0.3, zip: true, oddNames: true)
    static let mappedTasks = ["extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples", "load_gps_route_points",
                              "calculate_exercise_statistics"]

    static func small(_ c: inout PipelineConfiguration) {
        c.shardLimits = ShardLimits(files: 2, bytes: 1 << 20, users: 1)
        c.parallelism = 3
    }

    static func whole(_ c: inout PipelineConfiguration) {
        c.shardLimits = ShardLimits(files: 100_000, bytes: 1 << 36, users: 100_000)
        c.parallelism = 1
    }

    /// Two fresh stores of `backend`, each with the same inbox.
    static func pair(_ backend: Backend, _ name: String, _ body: (OpenedStore, OpenedStore) async throws -> Void) async throws {
        try await withStore(backend, name) { first in
            try await withStore(backend, name + "-other") { second in
                try data.write(to: first.tmp.workspace.inbox)
                try data.write(to: second.tmp.workspace.inbox)
                try await body(first, second)
            }
        }
    }

    @Test(arguments: Backend.available)
    func aRunCutIntoManySmallShardsGivesTheDatabaseOfARunInOneShard(_ backend: Backend) async throws {
        try await Self.pair(backend, "mapped") { sharded, whole in
            #expect(try await whole.runner(configure: Self.whole).run(runID: "whole").outcome.state == .success)
            let outcome = try await sharded.runner(configure: Self.small).run(runID: "sharded").outcome
            #expect(outcome.state == .success, "\(outcome.error ?? "")")
            #expect(try await StoreSnapshot.of(sharded.store) == StoreSnapshot.of(whole.store))
            #expect(try await StoreSnapshot.files(sharded.store) == StoreSnapshot.files(whole.store))

            let rows = try await sharded.store.taskInstances(runID: "sharded")
            let counts = TaskOutput.counts(json: rows.first { $0.taskID == "validate_json_files" }?.output)
            let fileShards = try #require(counts["file_shards"])
            let users = try await sharded.store.users().count
            #expect(fileShards >= 8)
            #expect(counts["user_shards"] == users)
            let latest = TaskInstanceRecord.latest(rows)
            for task in Self.mappedTasks {
                #expect(latest.keys.filter { $0.taskID == task }.map(\.mapIndex).sorted() == Array(0 ..< fileShards), "\(task)")
            }
            #expect(latest.keys.filter { $0.taskID == "update_user_statistics" }.map(\.mapIndex).sorted() == Array(0 ..< users))
            #expect(latest.values.allSatisfy { $0.state == .success || $0.state == .skipped })
            #expect(TaskOutput.counts(json: try await whole.store.taskInstances(runID: "whole")
                .first { $0.taskID == "validate_json_files" }?.output)["file_shards"] == 1)
            // Instances ran at once: some two intervals overlap.
            let spans = latest.values.filter { $0.mapIndex >= 0 }.compactMap { r in r.startedAt.flatMap { s in r.endedAt.map { (s, $0) } } }
            #expect(spans.contains { a in spans.contains { b in a != b && a.0 < b.1 && b.0 < a.1 } })

            // Every loaded file has its shard; one user's files lie in consecutive shards, in the order they were
            // validated.
            let files = try await sharded.store.files(runID: "sharded").filter { $0.status == .loaded && $0.stagedPath != nil }
            #expect(files.allSatisfy { ($0.shard ?? -1) >= 0 && ($0.shard ?? fileShards) < fileShards })
            for (_, own) in Dictionary(grouping: files, by: \.userKey) {
                let shards = own.sorted { $0.id < $1.id }.compactMap(\.shard)
                #expect(shards == shards.sorted())
            }

            // The reduce tasks read the run a page at a time: the pages add up to the whole run, and every exercise
            // got its page in reports/ although the report task went shard by shard.
            var paged: [FileRecord] = []
            try await sharded.store.forEachFilePage(runID: "sharded", pageSize: 3) { paged += $0 }
            let whole = try await sharded.store.files(runID: "sharded")
            #expect(paged == whole)
            var pagedExercises: [ExerciseRecord] = []
            try await sharded.store.forEachExercisePage(runID: "sharded", pageSize: 2) { pagedExercises += $0 }
            let exercises = try await sharded.store.exercises(runID: "sharded")
            #expect(pagedExercises.map(\.id) == exercises.map(\.id) && exercises.count > 4)
            #expect(try await sharded.store.exerciseCount(runID: "sharded") == exercises.count)
            #expect(try await sharded.store.fileShardCount(runID: "sharded") == fileShards)
            let zips = Set(paged.filter { $0.isOnDisk && $0.originalPath.hasSuffix(".zip") }.map(\.id))
            let archives = try await sharded.store.archiveIDs(runID: "sharded")
            #expect(!zips.isEmpty && archives == zips)
            let pages = sharded.tmp.files(under: sharded.tmp.workspace.reports.appendingPathComponent("exercises"))
            #expect(Set(pages) == Set(exercises.map { "reports/exercises/\($0.id).html" }))
        }
    }

    @Test(arguments: Backend.available)
    func taskModeRunsEachMappedInstanceByItsMapIndexAndGetsTheSameDatabase(_ backend: Backend) async throws {
        try await Self.pair(backend, "mapped-tasks") { tasks, run in
            #expect(try await run.runner(configure: Self.small).run(runID: "run").outcome.state == .success)
            let runner = tasks.runner(configure: Self.small)
            let runID = "manual__2026-12-01T02:00:00+00:00"
            let graph = try TrainingPipeline.graph()
            var counts: [String: Int] = [:]
            for task in graph.tasks {
                if task.isMapped {
                    // Asking for a shard that does not exist changes nothing and says why.
                    await #expect(throws: PipelineError.self) {
                        _ = try await runner.runTask(task.id, runID: runID, mapIndex: counts[task.mapping.rawValue] ?? 0)
                    }
                    for index in 0 ..< (counts[task.mapping.rawValue] ?? 0) {
                        if case .failed(let error, _) = try await runner.runTask(task.id, runID: runID, mapIndex: index) {
                            Issue.record("\(task.id)[\(index)] failed: \(error)")
                        }
                    }
                } else {
                    if task.id == "generate_reports" {
                        await #expect(throws: PipelineError.self) { _ = try await runner.runTask(task.id, runID: runID, mapIndex: 0) }
                    }
                    if case .done(let output) = try await runner.runTask(task.id, runID: runID), task.id == "validate_json_files" {
                        counts = output.counts
                    }
                }
            }
            #expect((counts["file_shards"] ?? 0) >= 8)
            #expect(try await tasks.store.run(runID)?.state == .success)
            #expect(try await StoreSnapshot.of(tasks.store) == StoreSnapshot.of(run.store))
            #expect(try await StoreSnapshot.files(tasks.store) == StoreSnapshot.files(run.store))
            let rows = try await tasks.store.taskInstances(runID: runID)
            #expect(Set(rows.filter { $0.taskID == "load_gps_route_points" }.map(\.mapIndex)) == Set(0 ..< (counts["file_shards"] ?? 0)))
        }
    }
}

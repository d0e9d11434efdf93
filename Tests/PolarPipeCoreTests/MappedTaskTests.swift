import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Remembers the order in which instances started and ended, and how many ran at once.
actor InstanceLog {
    var events: [String] = []
    var running = 0
    var mostAtOnce = 0
    func start(_ name: String) {
        events.append("start " + name)
        running += 1
        mostAtOnce = max(mostAtOnce, running)
    }
    func end(_ name: String) {
        events.append("end " + name)
        running -= 1
    }
    func index(_ event: String) -> Int? { events.firstIndex(of: event) }
}

/// Dynamic task mapping in the DAG engine: a producer announces shards, each shard gets its own chain of instances,
/// the reduce runs once after all of them.
@Suite(.timeLimit(.minutes(1))) struct MappedTaskTests {
    typealias T = PipelineTask<Int>

    /// `split` produces `shards` file shards; `decode` and `load` are mapped over them; `sum` adds up the loads.
    static func graph(shards: Int, log: InstanceLog, failing: Int? = nil, split: (@Sendable (TaskInvocation) async throws -> Void)? = nil)
        throws -> TaskGraph<Int> {
        try TaskGraph("g", [
            T("split", produces: [.fileShards]) { _, invocation in
                try await split?(invocation)
                return TaskOutput(["file_shards": shards])
            },
            T("decode", dependsOn: ["split"], mapping: .fileShards) { _, invocation in
                let name = "decode[\(invocation.mapIndex)]"
                await log.start(name)
                try await Task.sleep(nanoseconds: 5_000_000)
                await log.end(name)
                if invocation.mapIndex == failing { throw Boom() }
                return TaskOutput(["files": 1])
            },
            T("load", dependsOn: ["decode"], mapping: .fileShards) { _, invocation in
                let name = "load[\(invocation.mapIndex)]"
                await log.start(name)
                try await Task.sleep(nanoseconds: 5_000_000)
                await log.end(name)
                return TaskOutput(["rows": 10 * (invocation.mapIndex + 1)])
            },
            T("sum", dependsOn: ["load"]) { _ in TaskOutput(["n": 1]) },
        ])
    }

    @Test func eachShardRunsItsOwnChainAndTheReduceRunsOnceAfterAll() async throws {
        let log = InstanceLog()
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: try Self.graph(shards: 4, log: log), policy: RetryPolicy(retries: 0), recorder: recorder,
                                          poolWidth: 2).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        #expect(outcome.outputs["load"]?.counts == ["rows": 100])  // 10 + 20 + 30 + 40
        #expect(outcome.outputs["decode"]?.counts == ["files": 4])
        let latest = await recorder.latestInstances()
        #expect(Set(latest.keys) == Set(["decode", "load"].flatMap { id in (0 ..< 4).map { TaskInstanceKey(id, $0) } }
            + [TaskInstanceKey("split"), TaskInstanceKey("sum")]))
        #expect(latest.values.allSatisfy { $0.state == .success })
        let lastLoadEnd = try #require(latest.filter { $0.key.taskID == "load" }.compactMap(\.value.endedAt).max())
        #expect(try #require(latest[TaskInstanceKey("sum")]?.startedAt) >= lastLoadEnd)
    }

    @Test func aShardStartsWhileTheProducerStillWorksOnTheNext() async throws {
        let log = InstanceLog()
        // The producer announces shard 0, then waits until that shard's decode has ended: only a runner that starts
        // announced shards before the producer returns gets past this.
        let graph = try Self.graph(shards: 2, log: log) { invocation in
            invocation.shardsReady(.fileShards, 1)
            let deadline = Date().addingTimeInterval(10)
            while await log.index("end decode[0]") == nil {
                guard Date() < deadline else { throw Boom() }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
        }
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: graph, policy: RetryPolicy(retries: 0), recorder: recorder).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        let latest = await recorder.latestInstances()
        let splitEnd = try #require(latest[TaskInstanceKey("split")]?.endedAt)
        #expect(try #require(latest[TaskInstanceKey("decode", 0)]?.startedAt) <= splitEnd)
        #expect(try #require(latest[TaskInstanceKey("decode", 1)]?.startedAt) >= splitEnd)
    }

    @Test func thePoolBoundsTheInstancesAtOnceAndLowerShardsGoFirst() async throws {
        let log = InstanceLog()
        let outcome = try await DAGRunner(graph: try Self.graph(shards: 6, log: log), policy: RetryPolicy(retries: 0),
                                          recorder: InMemoryRunRecorder(), poolWidth: 2).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        #expect(await log.mostAtOnce <= 2)
        // Depth-first: shard 0 is loaded before shard 2 is decoded.
        let load0 = try #require(await log.index("start load[0]")), decode2 = try #require(await log.index("start decode[2]"))
        #expect(load0 < decode2)
        #expect(try #require(await log.index("start load[3]")) < (try #require(await log.index("start decode[5]"))))
    }

    @Test func aFailedShardBlocksItsOwnChainAndWhatNeedsEveryShardButNotTheOtherShards() async throws {
        let log = InstanceLog()
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: try Self.graph(shards: 3, log: log, failing: 1), policy: RetryPolicy(retries: 1, delaySeconds: 0.001),
                                          recorder: recorder).run(runID: "r", context: 0)
        #expect(outcome.state == .failed)
        #expect(outcome.failedTask == "decode")
        #expect(outcome.taskStates == ["split": .success, "decode": .failed, "load": .upstreamFailed, "sum": .upstreamFailed])
        #expect(outcome.instanceStates[TaskInstanceKey("load", 0)] == .success)
        #expect(outcome.instanceStates[TaskInstanceKey("load", 2)] == .success)
        #expect(outcome.instanceStates[TaskInstanceKey("load", 1)] == .upstreamFailed)
        let latest = await recorder.latestInstances()
        #expect(latest[TaskInstanceKey("decode", 1)]?.tryNumber == 2)
        #expect(latest[TaskInstanceKey("sum")]?.state == .upstreamFailed)
    }

    @Test func noShardsSkipTheMappedTasksAndTheReduceStillRuns() async throws {
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: try Self.graph(shards: 0, log: InstanceLog()), policy: RetryPolicy(retries: 0),
                                          recorder: recorder).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        #expect(outcome.taskStates == ["split": .success, "decode": .skipped, "load": .skipped, "sum": .success])
        let latest = await recorder.latestInstances()
        #expect(latest[TaskInstanceKey("decode")]?.state == .skipped)  // one instance, map index −1, as Airflow records it
        #expect(latest.keys.allSatisfy { $0.mapIndex == -1 })
    }

    @Test func completedInstancesAreNotRunAgainOnResume() async throws {
        let log = InstanceLog()
        let recorder = InMemoryRunRecorder()
        let done: Set<TaskInstanceKey> = [TaskInstanceKey("split"), TaskInstanceKey("decode", 0), TaskInstanceKey("load", 0),
                                          TaskInstanceKey("decode", 1)]
        let outcome = try await DAGRunner(graph: try Self.graph(shards: 3, log: log), policy: RetryPolicy(retries: 0), recorder: recorder)
            .run(runID: "r", context: 0, completedInstances: done, firstTry: [TaskInstanceKey("load", 1): 2], knownCounts: [.fileShards: 3])
        #expect(outcome.state == .success)
        #expect(Set(await log.events.filter { $0.hasPrefix("start") }) == ["start load[1]", "start decode[2]", "start load[2]"])
        #expect(await recorder.latestInstances()[TaskInstanceKey("load", 1)]?.tryNumber == 2)
    }

    @Test func aMappedTaskNeedsAProducerUpstream() {
        #expect(throws: TaskGraphError.noProducer(task: "m", mapping: "file_shards")) {
            try TaskGraph<Int>("g", [T("a") { _ in TaskOutput() }, T("m", dependsOn: ["a"], mapping: .fileShards) { _, _ in TaskOutput() }])
        }
    }

    @Test func instancesOfOneChainDependOnlyOnTheirOwnShard() throws {
        let graph = try Self.graph(shards: 1, log: InstanceLog())
        #expect(graph.instance(TaskInstanceKey("load", 2), dependsOn: TaskInstanceKey("decode", 2)))
        #expect(!graph.instance(TaskInstanceKey("load", 3), dependsOn: TaskInstanceKey("decode", 2)))
        #expect(graph.instance(TaskInstanceKey("sum"), dependsOn: TaskInstanceKey("decode", 2)))
        #expect(graph.instance(TaskInstanceKey("load", 3), dependsOn: TaskInstanceKey("split")))
        #expect(!graph.instance(TaskInstanceKey("split"), dependsOn: TaskInstanceKey("decode", 0)))
    }
}

@Suite struct ShardCutterTests {
    @Test func filesFillAShardUpToItsLimitsAndAHugeFileGetsOneOfItsOwn() {
        var cutter = ShardCutter(limits: ShardLimits(files: 3, bytes: 1000))
        let shards = [100, 100, 100, 100, 900, 200, 5000, 10].map { cutter.assign(bytes: Int64($0)) }
        #expect(shards == [0, 0, 0, 1, 1, 2, 3, 4])
        #expect(cutter.closed == 4 && cutter.count == 5)
        #expect(ShardCutter(limits: ShardLimits()).count == 0)
    }

    @Test func aRetriedTryContinuesTheOpenShard() {
        let rows = [(0, 10), (0, 10), (1, 10)].enumerated().map { i, r in
            FileRecord(id: Int64(i), sha256: "", path: "", originalPath: "", userKey: "u", userID: nil, runID: "r", state: .validated,
                       reason: nil, layout: nil, bytes: Int64(r.1), stagedPath: "s", shard: r.0)
        }
        var cutter = ShardCutter(limits: ShardLimits(files: 2, bytes: 1000), resuming: rows)
        #expect(cutter.assign(bytes: 10) == 1)
        #expect(cutter.assign(bytes: 10) == 2)
    }

    @Test func userShardsAreSortedDistinctKeys() {
        #expect(ShardLimits(users: 2).userShards(["c", "a", "b", "a"]) == [["a", "b"], ["c"]])
        #expect(ShardLimits().userShards([]).isEmpty)
    }
}

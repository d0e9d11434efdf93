import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

/// Counts calls across concurrent tasks.
actor Counter {
    var values: [String: Int] = [:]
    func increment(_ key: String) -> Int {
        values[key, default: 0] += 1
        return values[key]!
    }
}

/// Lets two tasks wait for each other: each arrives, then waits until both have arrived.
actor Rendezvous {
    var arrived = 0
    func arriveAndWait() async throws {
        arrived += 1
        let deadline = Date().addingTimeInterval(5)
        while arrived < 2 {
            guard Date() < deadline else { throw Boom() }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}

@Suite struct TaskGraphTests {
    typealias T = PipelineTask<Int>
    func task(_ id: String, _ deps: [String] = []) -> T { T(id, dependsOn: deps) { _ in TaskOutput() } }

    @Test func rejectsDuplicateIds() {
        #expect(throws: TaskGraphError.duplicateTask("a")) { try TaskGraph("g", [task("a"), task("a")]) }
    }

    @Test func rejectsUnknownDependencies() {
        #expect(throws: TaskGraphError.unknownDependency(task: "b", dependency: "x")) { try TaskGraph("g", [task("a"), task("b", ["x"])]) }
    }

    @Test func namesTheCycle() {
        #expect(throws: TaskGraphError.cycle(["a", "c", "b", "a"])) {
            try TaskGraph("g", [task("a", ["c"]), task("b", ["a"]), task("c", ["b"]), task("d")])
        }
        #expect(throws: TaskGraphError.cycle(["a", "a"])) { try TaskGraph("g", [task("a", ["a"])]) }
    }

    @Test func ordersTopologically() throws {
        let g = try TaskGraph("g", [task("d", ["b", "c"]), task("b", ["a"]), task("c", ["a"]), task("a")])
        #expect(g.tasks.map(\.id) == ["a", "b", "c", "d"])
        #expect(g.downstream(of: "b") == ["d"])
        #expect(g.downstream(of: "a") == ["b", "c", "d"])
    }

    @Test func trainingPipelineHasTheTenTasksOfTheSpec() throws {
        let g = try TrainingPipeline.graph()
        #expect(g.id == "training_data_pipeline")
        #expect(g.tasks.map(\.id) == [
            "validate_json_files", "extract_user_data", "extract_exercise_metadata", "load_heart_rate_samples",
            "load_gps_route_points", "calculate_exercise_statistics", "update_user_statistics", "update_global_statistics",
            "generate_reports", "cleanup_and_archive",
        ])
        #expect(g.task("calculate_exercise_statistics")?.dependsOn == ["load_heart_rate_samples", "load_gps_route_points"])
        #expect(g.task("load_gps_route_points")?.dependsOn == ["extract_exercise_metadata"])
    }
}

@Suite(.timeLimit(.minutes(1))) struct DAGRunnerTests {
    typealias T = PipelineTask<Int>
    let fast = RetryPolicy(retries: 3, delaySeconds: 0.001)

    @Test func parallelBranchRunsConcurrently() async throws {
        // Each branch waits until the other has started: this only finishes if both run at the same time.
        let meeting = Rendezvous()
        let order = Counter()
        let graph = try TaskGraph("g", [
            T("start") { _ in _ = await order.increment("start"); return TaskOutput() },
            T("left", dependsOn: ["start"]) { _ in try await meeting.arriveAndWait(); return TaskOutput() },
            T("right", dependsOn: ["start"]) { _ in try await meeting.arriveAndWait(); return TaskOutput() },
            T("join", dependsOn: ["left", "right"]) { _ in TaskOutput(["n": 1]) },
        ])
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: graph, policy: RetryPolicy(retries: 0), recorder: recorder).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        #expect(outcome.taskStates.values.allSatisfy { $0 == .success })
        #expect(outcome.outputs["join"]?.counts == ["n": 1])
        let latest = await recorder.latest()
        let left = try #require(latest["left"]), right = try #require(latest["right"]), join = try #require(latest["join"])
        let (ls, le) = (try #require(left.startedAt), try #require(left.endedAt))
        let (rs, re) = (try #require(right.startedAt), try #require(right.endedAt))
        #expect(ls <= re && rs <= le)
        #expect(try #require(join.startedAt) >= max(le, re))
    }

    @Test func retriesThenSucceeds() async throws {
        let calls = Counter()
        let graph = try TaskGraph("g", [
            T("flaky") { _ in
                if await calls.increment("flaky") < 3 { throw Boom() }
                return TaskOutput()
            },
        ])
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: graph, policy: fast, recorder: recorder).run(runID: "r", context: 0)
        #expect(outcome.state == .success)
        #expect(outcome.tries["flaky"] == 3)
        let rows = await recorder.instances.filter { $0.taskID == "flaky" }.sorted { $0.tryNumber < $1.tryNumber }
        #expect(rows.map(\.state) == [.upForRetry, .upForRetry, .success])
        #expect(rows[0].error == "boom")
    }

    @Test func failureAfterRetriesMarksDownstreamUpstreamFailed() async throws {
        let calls = Counter()
        let graph = try TaskGraph("g", [
            T("a") { _ in TaskOutput() },
            T("bad", dependsOn: ["a"]) { _ in _ = await calls.increment("bad"); throw Boom() },
            T("side", dependsOn: ["a"]) { _ in TaskOutput() },
            T("after", dependsOn: ["bad", "side"]) { _ in TaskOutput() },
            T("last", dependsOn: ["after"]) { _ in TaskOutput() },
        ])
        let recorder = InMemoryRunRecorder()
        let outcome = try await DAGRunner(graph: graph, policy: RetryPolicy(retries: 2, delaySeconds: 0.001), recorder: recorder)
            .run(runID: "r", context: 0)
        #expect(outcome.state == .failed)
        #expect(outcome.failedTask == "bad")
        #expect(outcome.error == "boom")
        #expect(await calls.values["bad"] == 3)  // 1 try + 2 retries
        #expect(outcome.taskStates == ["a": .success, "bad": .failed, "side": .success, "after": .upstreamFailed, "last": .upstreamFailed])
        let latest = await recorder.latest()
        #expect(latest["bad"]?.tryNumber == 3)
        #expect(latest["last"]?.state == .upstreamFailed)
    }

    @Test func completedTasksAreNotRunAgain() async throws {
        let calls = Counter()
        let graph = try TaskGraph("g", [
            T("a") { _ in _ = await calls.increment("a"); return TaskOutput() },
            T("b", dependsOn: ["a"]) { _ in _ = await calls.increment("b"); return TaskOutput() },
        ])
        let outcome = try await DAGRunner(graph: graph, policy: fast, recorder: InMemoryRunRecorder())
            .run(runID: "r", context: 0, completed: ["a"])
        #expect(outcome.state == .success)
        #expect(await calls.values == ["b": 1])
    }

    @Test func backoffDoublesUpToTheCap() {
        let p = RetryPolicy(retries: 5, delaySeconds: 10, exponentialBackoff: true, maxDelaySeconds: 35)
        #expect([2, 3, 4, 5].map { p.delay(beforeTry: $0) } == [10, 20, 35, 35])
        #expect(RetryPolicy(retries: 1, delaySeconds: 7).delay(beforeTry: 4) == 7)
    }
}

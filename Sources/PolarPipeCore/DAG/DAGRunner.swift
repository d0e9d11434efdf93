import Foundation

/// How often and how long to wait before a failed task runs again.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first try (default 3, as the seed's Airflow configuration).
    public var retries: Int
    /// Seconds before the first retry (default 300).
    public var delaySeconds: Double
    /// Multiply the delay by 2 on each further retry.
    public var exponentialBackoff: Bool
    /// Upper bound of a backed-off delay, seconds.
    public var maxDelaySeconds: Double

    public init(retries: Int = 3, delaySeconds: Double = 300, exponentialBackoff: Bool = false, maxDelaySeconds: Double = 3600) {
        self.retries = retries
        self.delaySeconds = delaySeconds
        self.exponentialBackoff = exponentialBackoff
        self.maxDelaySeconds = maxDelaySeconds
    }

    /// Delay before try `tryNumber` (2 = first retry).
    public func delay(beforeTry tryNumber: Int) -> Double {
        guard exponentialBackoff else { return delaySeconds }
        let factor = pow(2.0, Double(max(0, tryNumber - 2)))
        return min(maxDelaySeconds, delaySeconds * factor)
    }
}

/// The result of running a graph. Per task (`taskStates`, `tries`, `outputs`): a mapped task's instances taken
/// together — failed if one failed, skipped when all were skipped or there were none, its output the sum of theirs;
/// per instance in `instanceStates`.
public struct RunOutcome: Sendable, Equatable {
    public var state: RunState
    public var taskStates: [String: TaskState]
    public var tries: [String: Int]
    public var outputs: [String: TaskOutput]
    /// The first task that failed after its retries, and its error.
    public var failedTask: String?
    public var error: String?
    /// Every instance's state, mapped ones by their map index.
    public var instanceStates: [TaskInstanceKey: TaskState]

    public init(state: RunState, taskStates: [String: TaskState], tries: [String: Int], outputs: [String: TaskOutput],
                failedTask: String?, error: String?, instanceStates: [TaskInstanceKey: TaskState] = [:]) {
        self.state = state
        self.taskStates = taskStates
        self.tries = tries
        self.outputs = outputs
        self.failedTask = failedTask
        self.error = error
        self.instanceStates = instanceStates
    }
}

/// Progress events, for terminals and logs. `mapIndex` is −1 for a task that is not mapped.
public enum RunEvent: Sendable {
    case taskStarted(taskID: String, mapIndex: Int, tryNumber: Int)
    case taskSucceeded(taskID: String, mapIndex: Int, tryNumber: Int, output: TaskOutput, seconds: Double)
    case taskFailed(taskID: String, mapIndex: Int, tryNumber: Int, error: String, retryInSeconds: Double?)
    case taskUpstreamFailed(taskID: String, mapIndex: Int)
    /// Every instance of a mapped task has ended: how many, their summed output, and the seconds from the first
    /// start to the last end.
    case mappedTaskFinished(taskID: String, instances: Int, state: TaskState, output: TaskOutput, seconds: Double)
    /// A running task finished another input file: `files` of them so far in this try, `bytes` their size.
    case taskProgress(taskID: String, files: Int, bytes: Int64)
}

/// Executes a `TaskGraph`: each task instance starts when the instances it needs succeeded, so independent tasks
/// run concurrently; failures are retried per the policy; what depends on a failed instance becomes
/// `upstream_failed`. Every try is recorded through the `RunRecorder`.
///
/// Mapped tasks (`TaskMapping`) are expanded into one instance per shard once their count is known — from the
/// producing task's output, or earlier from its `shardsReady` calls, so shard k's instances run while the producer
/// still works on shard k+1. Instance k of a mapped chain waits only for instance k upstream; at most `poolWidth`
/// mapped instances run at once, lower shards first (depth-first: shard 0 is finished before shard 5 is started).
public struct DAGRunner<Context: Sendable>: Sendable {
    public let graph: TaskGraph<Context>
    public let policy: RetryPolicy
    /// Per-task retry policies that replace `policy` for those tasks.
    public let taskPolicies: [String: RetryPolicy]
    public let recorder: any RunRecorder
    public let now: @Sendable () -> Int64
    public let onEvent: @Sendable (RunEvent) -> Void
    /// Execution timeout of one try of a task (nil: none). A try past it fails with `TaskTimeout` and is retried.
    public let taskTimeoutSeconds: Double?
    /// How many mapped instances may run at once.
    public let poolWidth: Int

    public init(graph: TaskGraph<Context>, policy: RetryPolicy, taskPolicies: [String: RetryPolicy] = [:],
                recorder: any RunRecorder, taskTimeoutSeconds: Double? = nil, poolWidth: Int = 2,
                now: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.graph = graph
        self.policy = policy
        self.taskPolicies = taskPolicies
        self.recorder = recorder
        self.taskTimeoutSeconds = taskTimeoutSeconds
        self.poolWidth = max(1, poolWidth)
        self.now = now
        self.onEvent = onEvent
    }

    /// Runs every task not listed in `completed` (tasks that already succeeded in an earlier attempt of this run).
    public func run(runID: String, context: Context, completed: Set<String>, firstTry: [String: Int] = [:]) async throws -> RunOutcome {
        try await run(runID: runID, context: context, completedInstances: Set(completed.map { TaskInstanceKey($0) }),
                      firstTry: Dictionary(uniqueKeysWithValues: firstTry.map { (TaskInstanceKey($0.key), $0.value) }))
    }

    /// Runs every instance not in `completedInstances` (instances that already succeeded in an earlier attempt of
    /// this run). `firstTry` gives the try number of each instance's first try in this attempt (default 1), so a
    /// resumed run continues the numbering of its earlier tries; `knownCounts` the instance counts of mappings
    /// whose producer already completed.
    public func run(runID: String, context: Context, completedInstances: Set<TaskInstanceKey> = [],
                    firstTry: [TaskInstanceKey: Int] = [:], knownCounts: [TaskMapping: Int] = [:]) async throws -> RunOutcome {
        var plan = MapPlan(graph: graph, completed: completedInstances)
        var tries: [TaskInstanceKey: Int] = [:]
        var outputs: [TaskInstanceKey: TaskOutput] = [:]
        var spans: [String: (start: Int64, end: Int64)] = [:]
        var failedTask: String?
        var failure: String?
        let signals = ShardSignals()
        func record(_ key: TaskInstanceKey, _ state: TaskState, ended: Bool = false) async throws {
            try await recorder.recordTask(TaskInstanceRecord(runID: runID, taskID: key.taskID, mapIndex: key.mapIndex,
                                                             tryNumber: firstTry[key] ?? 1, state: state, endedAt: ended ? now() : nil))
        }
        for task in graph.tasks where !task.isMapped && !completedInstances.contains(TaskInstanceKey(task.id)) {
            try await record(TaskInstanceKey(task.id), .queued)
        }
        /// Adds the instances of `mapping` up to `count`; a final count of 0 makes its tasks skipped.
        func expand(_ mapping: TaskMapping, _ count: Int, final: Bool) async throws {
            for key in plan.expand(mapping, count, final: final) {
                try await record(key, plan.states[key] ?? .queued, ended: plan.states[key] == .skipped)
            }
        }
        for (mapping, count) in knownCounts { try await expand(mapping, count, final: true) }

        try await withThrowingTaskGroup(of: RunnerChild.self) { group in
            var running = 0
            var runningMapped = 0
            var listening = false
            func startReady() {
                // A cancelled run (run timeout, shutdown) starts nothing new; what did not start stays queued.
                guard !Task.isCancelled else { return }
                for key in plan.ready() {
                    guard let task = graph.task(key.taskID) else { continue }
                    if task.isMapped {
                        guard runningMapped < poolWidth else { continue }
                        runningMapped += 1
                    }
                    plan.set(key, .running)
                    running += 1
                    let invocation = TaskInvocation(mapIndex: key.mapIndex) { mapping, count in
                        Task { await signals.post(mapping, count) }
                    }
                    group.addTask { [self] in
                        let started = now()
                        let (tryNumber, result) = await self.runWithRetries(task, key: key, runID: runID, context: context,
                                                                            invocation: invocation, firstTry: firstTry[key] ?? 1)
                        return .finished(key, tryNumber, result, started)
                    }
                }
            }
            /// While a producer runs, one child waits for its `shardsReady` calls.
            func listen() {
                guard !listening, plan.producerRunning else { return }
                listening = true
                group.addTask { .shards(await signals.next()) }
            }
            startReady()
            listen()
            while running > 0 || listening, let child = try await group.next() {
                switch child {
                case .shards(let ready):
                    listening = false
                    for (mapping, count) in ready { try await expand(mapping, count, final: false) }
                case .finished(let key, let tryNumber, let result, let started):
                    running -= 1
                    if key.mapIndex >= 0 { runningMapped -= 1 }
                    tries[key] = tryNumber
                    let span = spans[key.taskID]
                    spans[key.taskID] = (min(span?.start ?? started, started), max(span?.end ?? 0, now()))
                    switch result {
                    case .success(let output):
                        plan.set(key, output.nothingToDo ? .skipped : .success)
                        outputs[key] = output
                        for mapping in graph.task(key.taskID)?.produces ?? [] {
                            try await expand(mapping, max(0, output.counts[mapping.rawValue] ?? 0), final: true)
                        }
                    case .failure(let error):
                        if failedTask == nil {
                            failedTask = key.taskID
                            failure = String(describing: error)
                        }
                        for blocked in plan.blockAll(after: key) {
                            onEvent(.taskUpstreamFailed(taskID: blocked.taskID, mapIndex: blocked.mapIndex))
                            try await record(blocked, .upstreamFailed, ended: true)
                        }
                    }
                    if let task = graph.task(key.taskID), task.isMapped, let state = plan.finishedMappedTask(task.id) {
                        let instances = plan.instances(of: task.id)
                        let span = spans[task.id] ?? (0, 0)
                        onEvent(.mappedTaskFinished(taskID: task.id, instances: instances.count, state: state,
                                                    output: TaskOutput.sum(instances.compactMap { outputs[$0] }),
                                                    seconds: Double(span.end - span.start) / 1000))
                    }
                }
                startReady()
                listen()
                if running == 0, listening { await signals.close() }
            }
        }
        for id in plan.blockedTasks.sorted() where plan.instances(of: id).isEmpty {
            try await record(TaskInstanceKey(id), .upstreamFailed, ended: true)
        }
        var taskStates: [String: TaskState] = [:]
        var taskTries: [String: Int] = [:]
        var taskOutputs: [String: TaskOutput] = [:]
        for task in graph.tasks {
            let keys = plan.instances(of: task.id)
            taskStates[task.id] = plan.taskState(task.id)
            if let most = keys.compactMap({ tries[$0] }).max() { taskTries[task.id] = most }
            let done = keys.compactMap { outputs[$0] }
            if !done.isEmpty { taskOutputs[task.id] = TaskOutput.sum(done) }
        }
        let succeeded = taskStates.values.allSatisfy { $0 == .success || $0 == .skipped }
        return RunOutcome(state: succeeded ? .success : .failed, taskStates: taskStates, tries: taskTries, outputs: taskOutputs,
                          failedTask: failedTask, error: failure, instanceStates: plan.states)
    }

    /// Runs one task instance with retries; returns the last try number and the result. Recording errors fail it.
    func runWithRetries(_ task: PipelineTask<Context>, key: TaskInstanceKey, runID: String, context: Context,
                        invocation: TaskInvocation, firstTry: Int = 1) async -> (Int, Result<TaskOutput, any Error>) {
        var tryNumber = firstTry
        let policy = taskPolicies[task.id] ?? self.policy
        while true {
            let started = now()
            do {
                try await recorder.recordTask(TaskInstanceRecord(runID: runID, taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber,
                                                                 state: .running, startedAt: started))
                onEvent(.taskStarted(taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber))
                var thisTry = invocation
                thisTry.tryNumber = tryNumber
                let output = try await withTimeout(taskTimeoutSeconds) { [thisTry] in try await task.body(context, thisTry) }
                let ended = now()
                try await recorder.recordTask(TaskInstanceRecord(
                    runID: runID, taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber,
                    state: output.nothingToDo ? .skipped : .success, startedAt: started, endedAt: ended, output: output.json))
                onEvent(.taskSucceeded(taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber, output: output,
                                       seconds: Double(ended - started) / 1000))
                return (tryNumber, .success(output))
            } catch {
                let willRetry = tryNumber - firstTry < policy.retries && !(error is CancellationError)
                let message = String(describing: error)
                onEvent(.taskFailed(taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber, error: message,
                                    retryInSeconds: willRetry ? policy.delay(beforeTry: tryNumber + 1) : nil))
                do {
                    try await recorder.recordTask(TaskInstanceRecord(
                        runID: runID, taskID: task.id, mapIndex: key.mapIndex, tryNumber: tryNumber,
                        state: willRetry ? .upForRetry : .failed, startedAt: started, endedAt: now(), error: message))
                } catch {
                    return (tryNumber, .failure(error))
                }
                guard willRetry else { return (tryNumber, .failure(error)) }
                tryNumber += 1
                let delay = policy.delay(beforeTry: tryNumber)
                do {
                    try await Task.sleep(nanoseconds: Clock.nanoseconds(seconds: delay))
                } catch {
                    return (tryNumber - 1, .failure(error))
                }
            }
        }
    }
}

extension TaskOutput {
    /// The counts of several instances added up; nothing to do when none of them had anything.
    public static func sum(_ outputs: [TaskOutput]) -> TaskOutput {
        var counts: [String: Int] = [:]
        for output in outputs {
            for (key, value) in output.counts { counts[key, default: 0] &+= value }
        }
        return TaskOutput(counts, nothingToDo: !outputs.isEmpty && outputs.allSatisfy(\.nothingToDo))
    }

    /// The counts of a stored output (`TaskInstanceRecord.output`); empty when it is not such an object.
    public static func counts(json: String?) -> [String: Int] {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }
    }
}

/// What a child of the runner's task group returns: an instance's end (key, last try, result, start), or the
/// producers' `shardsReady` calls.
enum RunnerChild: Sendable {
    case finished(TaskInstanceKey, Int, Result<TaskOutput, any Error>, Int64)
    case shards([(TaskMapping, Int)])
}

/// `shardsReady` calls of running producers, waited for by one child of the runner's task group.
actor ShardSignals {
    private var pending: [(TaskMapping, Int)] = []
    private var waiter: CheckedContinuation<[(TaskMapping, Int)], Never>?
    private var closed = false

    func post(_ mapping: TaskMapping, _ count: Int) {
        pending.append((mapping, count))
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: take())
        }
    }

    /// The calls since the last `next()`, waiting for one; empty once closed.
    func next() async -> [(TaskMapping, Int)] {
        if !pending.isEmpty || closed { return take() }
        return await withCheckedContinuation { waiter = $0 }
    }

    /// Wakes the waiting child with nothing: the run has ended.
    func close() {
        closed = true
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: take())
        }
    }

    private func take() -> [(TaskMapping, Int)] {
        defer { pending.removeAll() }
        return pending
    }
}

/// Wall-clock helpers (UTC epoch milliseconds).
public enum Clock {
    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// `seconds` as nanoseconds for `Task.sleep`, total on any value (from a config key or a file): NaN and negative
    /// values are 0, huge ones a century.
    public static func nanoseconds(seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return seconds == .infinity ? maxSleep : 0 }
        return seconds >= Double(maxSleep) / 1e9 ? maxSleep : UInt64(seconds * 1e9)
    }

    /// A century of nanoseconds: longer than any sleep polarpipe means.
    static let maxSleep: UInt64 = 100 * 365 * 86_400 * 1_000_000_000
}

/// One try of a task ran longer than its execution timeout.
public struct TaskTimeout: Error, CustomStringConvertible {
    public let seconds: Double
    public var description: String { String(format: "execution timeout: the task ran longer than %.0f s", seconds) }
}

/// Runs `body`, failing with `TaskTimeout` after `seconds` (the body is cancelled; tasks check for cancellation
/// between files and chunks).
func withTimeout<T: Sendable>(_ seconds: Double?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let seconds else { return try await body() }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: Clock.nanoseconds(seconds: seconds))
            return nil
        }
        guard let first = try await group.next() else { throw CancellationError() }
        group.cancelAll()
        guard let value = first else { throw TaskTimeout(seconds: seconds) }
        return value
    }
}

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

/// The result of running a graph.
public struct RunOutcome: Sendable, Equatable {
    public var state: RunState
    public var taskStates: [String: TaskState]
    public var tries: [String: Int]
    public var outputs: [String: TaskOutput]
    /// The first task that failed after its retries, and its error.
    public var failedTask: String?
    public var error: String?

    public init(state: RunState, taskStates: [String: TaskState], tries: [String: Int], outputs: [String: TaskOutput],
                failedTask: String?, error: String?) {
        self.state = state
        self.taskStates = taskStates
        self.tries = tries
        self.outputs = outputs
        self.failedTask = failedTask
        self.error = error
    }
}

/// Progress events, for terminals and logs.
public enum RunEvent: Sendable {
    case taskStarted(taskID: String, tryNumber: Int)
    case taskSucceeded(taskID: String, tryNumber: Int, output: TaskOutput, seconds: Double)
    case taskFailed(taskID: String, tryNumber: Int, error: String, retryInSeconds: Double?)
    case taskUpstreamFailed(taskID: String)
    /// A running task finished another input file: `files` of them so far in this try, `bytes` their size.
    case taskProgress(taskID: String, files: Int, bytes: Int64)
}

/// Executes a `TaskGraph`: each task starts when all its dependencies succeeded, so independent tasks run
/// concurrently; failures are retried per the policy; downstream of a failed task becomes `upstream_failed`.
/// Every try is recorded through the `RunRecorder`.
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

    public init(graph: TaskGraph<Context>, policy: RetryPolicy, taskPolicies: [String: RetryPolicy] = [:],
                recorder: any RunRecorder, taskTimeoutSeconds: Double? = nil,
                now: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.graph = graph
        self.policy = policy
        self.taskPolicies = taskPolicies
        self.recorder = recorder
        self.taskTimeoutSeconds = taskTimeoutSeconds
        self.now = now
        self.onEvent = onEvent
    }

    /// Runs every task not listed in `completed` (tasks that already succeeded in an earlier attempt of this run).
    /// `firstTry` gives the try number of each task's first try in this attempt (default 1), so a resumed run
    /// continues the numbering of its earlier tries.
    public func run(runID: String, context: Context, completed: Set<String> = [],
                    firstTry: [String: Int] = [:]) async throws -> RunOutcome {
        var states: [String: TaskState] = [:]
        var tries: [String: Int] = [:]
        var outputs: [String: TaskOutput] = [:]
        var failedTask: String?
        var failure: String?
        for task in graph.tasks {
            if completed.contains(task.id) {
                states[task.id] = .success
            } else {
                states[task.id] = .queued
                try await recorder.recordTask(TaskInstanceRecord(runID: runID, taskID: task.id, tryNumber: firstTry[task.id] ?? 1,
                                                                 state: .queued))
            }
        }

        try await withThrowingTaskGroup(of: (String, Int, Result<TaskOutput, any Error>).self) { group in
            var running = 0
            func startReady() async throws {
                // A cancelled run (run timeout, shutdown) starts nothing new; what did not start stays queued.
                guard !Task.isCancelled else { return }
                for task in graph.tasks where states[task.id] == .queued {
                    guard task.dependsOn.allSatisfy({ states[$0] == .success || states[$0] == .skipped }) else { continue }
                    states[task.id] = .running
                    running += 1
                    group.addTask { [self] in
                        let (tryNumber, result) = await self.runWithRetries(task, runID: runID, context: context,
                                                                            firstTry: firstTry[task.id] ?? 1)
                        return (task.id, tryNumber, result)
                    }
                }
            }
            try await startReady()
            while running > 0, let (taskID, tryNumber, result) = try await group.next() {
                running -= 1
                tries[taskID] = tryNumber
                switch result {
                case .success(let output):
                    states[taskID] = output.nothingToDo ? .skipped : .success
                    outputs[taskID] = output
                case .failure(let error):
                    states[taskID] = .failed
                    if failedTask == nil {
                        failedTask = taskID
                        failure = String(describing: error)
                    }
                    for id in graph.downstream(of: taskID) where states[id] == .queued {
                        states[id] = .upstreamFailed
                        onEvent(.taskUpstreamFailed(taskID: id))
                        try await recorder.recordTask(TaskInstanceRecord(
                            runID: runID, taskID: id, tryNumber: firstTry[id] ?? 1, state: .upstreamFailed, endedAt: now()))
                    }
                }
                try await startReady()
            }
        }
        let succeeded = states.values.allSatisfy { $0 == .success || $0 == .skipped }
        return RunOutcome(state: succeeded ? .success : .failed, taskStates: states, tries: tries, outputs: outputs,
                          failedTask: failedTask, error: failure)
    }

    /// Runs one task with retries; returns the last try number and the result. Recording errors fail the task.
    func runWithRetries(_ task: PipelineTask<Context>, runID: String, context: Context,
                        firstTry: Int = 1) async -> (Int, Result<TaskOutput, any Error>) {
        var tryNumber = firstTry
        let policy = taskPolicies[task.id] ?? self.policy
        while true {
            let started = now()
            do {
                try await recorder.recordTask(TaskInstanceRecord(runID: runID, taskID: task.id, tryNumber: tryNumber,
                                                                 state: .running, startedAt: started))
                onEvent(.taskStarted(taskID: task.id, tryNumber: tryNumber))
                let output = try await withTimeout(taskTimeoutSeconds) { try await task.body(context) }
                let ended = now()
                try await recorder.recordTask(TaskInstanceRecord(
                    runID: runID, taskID: task.id, tryNumber: tryNumber, state: output.nothingToDo ? .skipped : .success,
                    startedAt: started, endedAt: ended, output: output.json))
                onEvent(.taskSucceeded(taskID: task.id, tryNumber: tryNumber, output: output,
                                       seconds: Double(ended - started) / 1000))
                return (tryNumber, .success(output))
            } catch {
                let willRetry = tryNumber - firstTry < policy.retries && !(error is CancellationError)
                let message = String(describing: error)
                onEvent(.taskFailed(taskID: task.id, tryNumber: tryNumber, error: message,
                                    retryInSeconds: willRetry ? policy.delay(beforeTry: tryNumber + 1) : nil))
                do {
                    try await recorder.recordTask(TaskInstanceRecord(
                        runID: runID, taskID: task.id, tryNumber: tryNumber, state: willRetry ? .upForRetry : .failed,
                        startedAt: started, endedAt: now(), error: message))
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

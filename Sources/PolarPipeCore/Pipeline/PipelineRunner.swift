import Foundation
import Logging

/// Runs the DAG over a workspace: takes the one-active-run lease (refusing at once when another live run holds
/// it), records the run, runs the graph with retries while a heartbeat keeps the lease fresh, and records the
/// outcome. Also resumes failed or interrupted runs, and runs single tasks for Airflow (task mode).
public struct PipelineRunner: Sendable {
    public let workspace: Workspace
    public let store: any PipelineStore
    public let configuration: PipelineConfiguration
    public let logger: Logger
    public let onEvent: @Sendable (RunEvent) -> Void

    public init(workspace: Workspace, store: any PipelineStore, configuration: PipelineConfiguration, logger: Logger,
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.workspace = workspace
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.onEvent = onEvent
    }

    /// A new run id: `run-YYYYMMDDTHHMMSSZ-xxxx`.
    public static func newRunID(now: Int64 = Clock.nowMillis()) -> String {
        let stamp = PolarTime.format(millis: now).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let suffix = String(UInt16.random(in: 0 ... .max), radix: 16)
        return "run-\(stamp)Z-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }

    /// This process as a lease owner.
    public static func currentOwner() -> LeaseOwner {
        LeaseOwner(pid: getpid(), host: ProcessInfo.processInfo.hostName)
    }

    /// A lease holder is stale when its process is gone (same host) — its lease is then free even before it expires.
    public static func isStale(_ holder: LeaseHolder) -> Bool {
        guard holder.owner.host == ProcessInfo.processInfo.hostName else { return false }
        if holder.owner.pid == getpid() { return false }
        if kill(holder.owner.pid, 0) != 0 && errno == ESRCH { return true }
        // A killed process stays a zombie until its parent reaps it: it holds nothing any more.
        let stat = (try? String(contentsOfFile: "/proc/\(holder.owner.pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// The result of `run()`: the interrupted runs it finished first, then the new run.
    public struct Result: Sendable {
        public var recovered: [(runID: String, outcome: RunOutcome)]
        public var runID: String
        public var outcome: RunOutcome
    }

    /// Runs the whole DAG. A run whose process died (its lease lapsed or its process is gone) is finished first, so
    /// files it claimed are not lost. Throws `PipelineError.anotherRunActive` without touching anything when another
    /// live run holds the lease.
    public func run(runID: String = PipelineRunner.newRunID(), trigger: String = "manual") async throws -> Result {
        var recovered: [(String, RunOutcome)] = []
        try await acquire(runID)
        do {
            for interrupted in try await store.runs(limit: 1000).reversed() where interrupted.state == .running && interrupted.runID != runID {
                logger.notice("finishing an interrupted run", metadata: ["pipeline.run_id": "\(interrupted.runID)"])
                try await store.releaseLease(runID: runID)
                try await acquire(interrupted.runID)
                recovered.append((interrupted.runID, try await execute(interrupted.runID, resuming: true)))
                try await store.releaseLease(runID: interrupted.runID)
                try await acquire(runID)
            }
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: trigger)
            let outcome = try await execute(runID, resuming: false)
            try await store.releaseLease(runID: runID)
            return Result(recovered: recovered, runID: runID, outcome: outcome)
        } catch {
            try? await store.releaseLease(runID: runID)
            throw error
        }
    }

    /// Reruns the failed part of a run: tasks that succeeded keep their single try; the failed task and its
    /// downstream run again, with try numbers following the earlier ones.
    public func resume(runID: String) async throws -> RunOutcome {
        guard try await store.run(runID) != nil else { throw PipelineError.unknownRun(runID) }
        try await acquire(runID)
        do {
            let outcome = try await execute(runID, resuming: true)
            try await store.releaseLease(runID: runID)
            return outcome
        } catch {
            try? await store.releaseLease(runID: runID)
            throw error
        }
    }

    func acquire(_ runID: String) async throws {
        if let holder = try await store.acquireLease(runID: runID, owner: PipelineRunner.currentOwner(), now: Clock.nowMillis(),
                                                     ttlMillis: configuration.leaseTTLMillis, isStale: PipelineRunner.isStale) {
            throw PipelineError.anotherRunActive(runID: holder.runID, since: holder.acquiredAt)
        }
    }

    /// Runs the graph for `runID` under the lease (held by the caller), with a heartbeat, and records the end.
    func execute(_ runID: String, resuming: Bool) async throws -> RunOutcome {
        let graph = try TrainingPipeline.graph()
        var completed = Set<String>()
        var firstTry: [String: Int] = [:]
        if resuming {
            let latest = Dictionary(grouping: try await store.taskInstances(runID: runID), by: \.taskID)
                .compactMapValues { $0.max { $0.tryNumber < $1.tryNumber } }
            for (id, last) in latest {
                if last.state == .success || last.state == .skipped {
                    completed.insert(id)
                } else {
                    firstTry[id] = last.state == .queued || last.state == .upstreamFailed ? last.tryNumber : last.tryNumber + 1
                }
            }
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: "resume")
        }
        let ttl = configuration.leaseTTLMillis
        let context = PipelineContext(runID: runID, workspace: workspace, store: store, configuration: configuration, logger: logger,
                                      onEvent: onEvent)
        let taskPolicies = Dictionary(uniqueKeysWithValues: graph.tasks.map { ($0.id, configuration.retryPolicy(for: $0.id)) })
        let runner = DAGRunner(graph: graph, policy: configuration.retryPolicy, taskPolicies: taskPolicies, recorder: store,
                               taskTimeoutSeconds: configuration.taskTimeoutSeconds, onEvent: onEvent)
        let store = self.store
        let (done, tries) = (completed, firstTry)
        let runTimeout = configuration.runTimeoutSeconds
        enum Child: Sendable { case heartbeatEnded, timedOut, finished(RunOutcome) }
        var outcome = try await withThrowingTaskGroup(of: Child.self) { group in
            group.addTask {
                // Heartbeat: renew the lease a few times per TTL until the run ends.
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(ttl / 4) * 1_000_000)
                    if Task.isCancelled { break }
                    try? await store.renewLease(runID: runID, now: Clock.nowMillis(), ttlMillis: ttl)
                }
                return .heartbeatEnded
            }
            group.addTask {
                // The run timeout: cancel the run; running tasks stop at their next file or chunk.
                do { try await Task.sleep(nanoseconds: UInt64(runTimeout * 1e9)) } catch { return .heartbeatEnded }
                return .timedOut
            }
            group.addTask { .finished(try await runner.run(runID: runID, context: context, completed: done, firstTry: tries)) }
            var result: RunOutcome?
            var timedOut = false
            while let next = try await group.next() {
                switch next {
                case .finished(let o):
                    result = o
                    group.cancelAll()
                case .timedOut:
                    timedOut = true
                    group.cancelAll()
                case .heartbeatEnded:
                    break
                }
            }
            guard var result else { throw CancellationError() }
            if timedOut {
                result.state = .failed
                result.error = String(format: "run timeout: the run was still going after %.0f s", runTimeout)
            }
            return result
        }
        if outcome.state == .failed, outcome.failedTask == nil {
            outcome.failedTask = graph.tasks.first { outcome.taskStates[$0.id] == .queued }?.id
        }
        try await store.finishRun(runID, state: outcome.state, endedAt: Clock.nowMillis(), summary: summary(outcome))
        let alert = await Alerts.summary(runID: runID, outcome: outcome, store: store)
        if outcome.state == .failed {
            await Alerts.send(alert, configuration: configuration, logger: logger)
        } else if let webhook = configuration.reportWebhook, outcome.outputs.values.contains(where: { !$0.nothingToDo }) {
            // The seed's optional notification: the run summary, when a run that loaded something succeeded.
            await Alerts.post(alert, to: webhook, logger: logger)
        }
        return outcome
    }

    func summary(_ outcome: RunOutcome) -> String {
        var counts: [String: Int] = [:]
        for (task, output) in outcome.outputs {
            for (k, v) in output.counts { counts["\(task).\(k)"] = v }
        }
        return TaskOutput(counts).json
    }

    // MARK: Task mode

    /// The outcome of one task in task mode.
    public enum TaskModeOutcome: Sendable, Equatable {
        case done(TaskOutput)
        case nothingToDo(TaskOutput)
        case failed(String)
    }

    /// Runs one task of one run, once (the scheduler, e.g. Airflow, owns retries). The first task creates the run;
    /// the last one ends it. Refuses when the task's upstream tasks have not succeeded, or another run is active.
    public func runTask(_ taskID: String, runID: String) async throws -> TaskModeOutcome {
        let graph = try TrainingPipeline.graph()
        guard let task = graph.task(taskID) else { throw TaskGraphError.unknownTask(taskID) }
        try await acquire(runID)
        if try await store.run(runID) == nil {
            guard task.dependsOn.isEmpty else { throw PipelineError.unknownRun(runID) }
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: "task")
        }
        let instances = try await store.taskInstances(runID: runID)
        let latest = Dictionary(grouping: instances, by: \.taskID).compactMapValues { $0.max { $0.tryNumber < $1.tryNumber } }
        for dep in task.dependsOn where !(latest[dep]?.state == .success || latest[dep]?.state == .skipped) {
            throw PipelineError.missingInput("task \(dep) of run \(runID) has not succeeded")
        }
        let tryNumber = (latest[taskID].map { $0.state == .queued ? $0.tryNumber : $0.tryNumber + 1 }) ?? 1
        let context = PipelineContext(runID: runID, workspace: workspace, store: store, configuration: configuration, logger: logger,
                                      onEvent: onEvent)
        let single = try TaskGraph<PipelineContext>(graph.id, [PipelineTask(taskID) { try await task.body($0) }])
        let runner = DAGRunner(graph: single, policy: RetryPolicy(retries: 0, delaySeconds: 0), recorder: store, onEvent: onEvent)
        let outcome = try await runner.run(runID: runID, context: context, firstTry: [taskID: tryNumber])
        let isLast = graph.downstream(of: taskID).isEmpty
        switch outcome.taskStates[taskID] {
        case .success?, .skipped?:
            if isLast {
                let all = try await store.taskInstances(runID: runID)
                let failed = Dictionary(grouping: all, by: \.taskID).compactMapValues { $0.max { $0.tryNumber < $1.tryNumber } }
                    .values.contains { $0.state != .success && $0.state != .skipped }
                try await store.finishRun(runID, state: failed ? .failed : .success, endedAt: Clock.nowMillis(), summary: nil)
                try await store.releaseLease(runID: runID)
            } else {
                try await store.renewLease(runID: runID, now: Clock.nowMillis(), ttlMillis: configuration.leaseTTLMillis)
            }
            let output = outcome.outputs[taskID] ?? TaskOutput()
            return output.nothingToDo ? .nothingToDo(output) : .done(output)
        default:
            try await store.finishRun(runID, state: .failed, endedAt: Clock.nowMillis(), summary: nil)
            try await store.releaseLease(runID: runID)
            return .failed(outcome.error ?? "task failed")
        }
    }
}

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
    public static func currentOwner(_ mode: LeaseOwner.Mode = .process) -> LeaseOwner {
        LeaseOwner(pid: getpid(), host: ProcessInfo.processInfo.hostName, mode: mode)
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
        _ = try RunID.validated(runID)
        var recovered: [(String, RunOutcome)] = []
        var held = try await acquire(runID)
        do {
            for interrupted in try await store.runs(limit: 1000).reversed() where interrupted.state == .running && interrupted.runID != runID {
                try await store.releaseLease(runID: held.runID, token: held.token)
                held = try await acquire(interrupted.runID)
                if let outcome = try await giveUpIfPoisoned(held) {
                    recovered.append((interrupted.runID, outcome))
                } else {
                    logger.notice("finishing an interrupted run", metadata: ["pipeline.run_id": "\(interrupted.runID)"])
                    recovered.append((interrupted.runID, try await execute(held, resuming: true)))
                }
                try await store.releaseLease(runID: held.runID, token: held.token)
                held = try await acquire(runID)
            }
            try await store.fenced(by: held).createRun(runID, startedAt: Clock.nowMillis(), trigger: trigger)
            let outcome = try await execute(held, resuming: false)
            try await store.releaseLease(runID: runID, token: held.token)
            return Result(recovered: recovered, runID: runID, outcome: outcome)
        } catch {
            try? await store.releaseLease(runID: held.runID, token: held.token)
            throw error
        }
    }

    /// Records the tries of the run left `running` by a dead process (the caller holds the run's lease, `fence`) as
    /// failed with the error `PoisonPill.died`; returns the run's task instances after that.
    func markDeadTries(_ fence: LeaseFence) async throws -> [TaskInstanceRecord] {
        let store = self.store.fenced(by: fence)
        var instances = try await store.taskInstances(runID: fence.runID)
        for i in instances.indices where instances[i].state == .running {
            instances[i].state = .failed
            instances[i].endedAt = Clock.nowMillis()
            instances[i].error = PoisonPill.died
            try await store.recordTask(instances[i])
        }
        return instances
    }

    /// Marks the dead tries of an interrupted run (`markDeadTries`); when a
    /// task has died `PoisonPill.taskDeaths` times, ends the run as failed with an alert instead of resuming it, and
    /// returns that outcome.
    func giveUpIfPoisoned(_ fence: LeaseFence) async throws -> RunOutcome? {
        let (runID, store) = (fence.runID, self.store.fenced(by: fence))
        let now = Clock.nowMillis()
        let instances = try await markDeadTries(fence)
        guard let (instance, deaths) = PoisonPill.deadTask(instances) else { return nil }
        let latest = TaskInstanceRecord.latest(instances)
        let outcome = RunOutcome(
            state: .failed, taskStates: Dictionary(latest.values.map { ($0.taskID, $0.state) }) { a, b in a == .success ? b : a },
            tries: Dictionary(latest.values.map { ($0.taskID, $0.tryNumber) }, uniquingKeysWith: max), outputs: [:],
            failedTask: instance.taskID,
            error: "the process died \(deaths) times in \(instance); the run is not resumed again (polarpipe run --resume \(runID) tries once more)",
            instanceStates: latest.mapValues(\.state))
        logger.error("giving up an interrupted run", metadata: ["pipeline.run_id": "\(runID)", "pipeline.task_id": "\(instance)"])
        try await store.finishRun(runID, state: .failed, endedAt: now, summary: summary(outcome))
        await Alerts.send(await Alerts.summary(runID: runID, outcome: outcome, store: store), configuration: configuration, logger: logger)
        return outcome
    }

    /// Reruns the failed part of a run: tasks that succeeded keep their single try; the failed task and its
    /// downstream run again, with try numbers following the earlier ones.
    public func resume(runID: String) async throws -> RunOutcome {
        _ = try RunID.validated(runID)
        guard try await store.run(runID) != nil else { throw PipelineError.unknownRun(runID) }
        let fence = try await acquire(runID)
        do {
            // Tries left `running` by a dead process are failures; a resume asked for by hand is always tried.
            _ = try await markDeadTries(fence)
            let outcome = try await execute(fence, resuming: true)
            try await store.releaseLease(runID: runID, token: fence.token)
            return outcome
        } catch {
            try? await store.releaseLease(runID: runID, token: fence.token)
            throw error
        }
    }

    /// Takes the lease of `runID` (or throws `anotherRunActive`) and returns its fence: the run's writes go through
    /// `store.fenced(by:)` with it, so they are refused once another owner has taken the lease over.
    func acquire(_ runID: String, mode: LeaseOwner.Mode = .process, ttlMillis: Int64? = nil) async throws -> LeaseFence {
        if let holder = try await store.acquireLease(runID: runID, owner: PipelineRunner.currentOwner(mode), now: Clock.nowMillis(),
                                                     ttlMillis: ttlMillis ?? configuration.leaseTTLMillis, isStale: PipelineRunner.isStale) {
            throw PipelineError.anotherRunActive(runID: holder.runID, since: holder.acquiredAt)
        }
        guard let token = try await store.leaseToken(runID: runID) else {
            throw PipelineError.anotherRunActive(runID: runID, since: Clock.nowMillis())
        }
        return LeaseFence(runID: runID, token: token)
    }

    /// Renews the lease of `runID` (fencing `token`) a few times per TTL until cancelled; returns when the lease was
    /// lost to another owner, so the caller can stop the run.
    static func heartbeat(store: any PipelineStore, runID: String, token: Int64, ttlMillis: Int64) async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: Clock.nanoseconds(seconds: Double(ttlMillis) / 4000))
            if Task.isCancelled { return }
            do {
                try await store.renewLease(runID: runID, token: token, now: Clock.nowMillis(), ttlMillis: ttlMillis)
            } catch is RunLease.Lost {
                return
            } catch {
                continue  // the database is briefly unavailable: try again at the next beat
            }
        }
    }

    /// Runs the graph for the run of `fence` under its lease (held by the caller), with a heartbeat, and records the
    /// end; every write is fenced.
    func execute(_ fence: LeaseFence, resuming: Bool) async throws -> RunOutcome {
        let (runID, token, base, store) = (fence.runID, fence.token, self.store, self.store.fenced(by: fence))
        let graph = try TrainingPipeline.graph()
        var completed = Set<TaskInstanceKey>()
        var firstTry: [TaskInstanceKey: Int] = [:]
        var counts: [TaskMapping: Int] = [:]
        if resuming {
            let latest = TaskInstanceRecord.latest(try await store.taskInstances(runID: runID))
            let known = Self.mapCounts(graph, latest)
            for (key, last) in latest {
                // A producer whose output lacks its counts (recorded by an older polarpipe) runs again.
                let countsKnown = graph.task(key.taskID)?.produces.allSatisfy { known[$0] != nil } ?? true
                if last.state == .success || last.state == .skipped, countsKnown {
                    completed.insert(key)
                } else {
                    firstTry[key] = last.state == .queued || last.state == .upstreamFailed ? last.tryNumber : last.tryNumber + 1
                }
            }
            counts = known
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: "resume")
        }
        let ttl = configuration.leaseTTLMillis
        let context = PipelineContext(runID: runID, workspace: workspace, store: store, configuration: configuration, logger: logger,
                                      onEvent: onEvent)
        let taskPolicies = Dictionary(uniqueKeysWithValues: graph.tasks.map { ($0.id, configuration.retryPolicy(for: $0.id)) })
        let runner = DAGRunner(graph: graph, policy: configuration.retryPolicy, taskPolicies: taskPolicies, recorder: store,
                               taskTimeoutSeconds: configuration.taskTimeoutSeconds, poolWidth: configuration.parallelism, onEvent: onEvent)
        let (done, tries, known) = (completed, firstTry, counts)
        let runTimeout = configuration.runTimeoutSeconds
        enum Child: Sendable { case leaseLost, timedOut, finished(RunOutcome), stopped }
        var outcome = try await withThrowingTaskGroup(of: Child.self) { group in
            group.addTask {
                // Heartbeat: renew the lease a few times per TTL until the run ends; it returns when the lease is lost.
                await PipelineRunner.heartbeat(store: base, runID: runID, token: token, ttlMillis: ttl)
                return Task.isCancelled ? .stopped : .leaseLost
            }
            group.addTask {
                // The run timeout: cancel the run; running tasks stop at their next file or chunk.
                do { try await Task.sleep(nanoseconds: Clock.nanoseconds(seconds: runTimeout)) } catch { return .stopped }
                return .timedOut
            }
            group.addTask {
                .finished(try await runner.run(runID: runID, context: context, completedInstances: done, firstTry: tries, knownCounts: known))
            }
            var result: RunOutcome?
            var stop: String?
            var lost = false
            while let next = try await group.next() {
                switch next {
                case .finished(let o):
                    result = o
                    group.cancelAll()
                case .timedOut:
                    stop = "run timeout: the run was still going after \(Int(min(runTimeout, 1e12))) s"
                    group.cancelAll()
                case .leaseLost:
                    lost = true
                    group.cancelAll()
                case .stopped:
                    break
                }
            }
            // Another owner has the run now (this process was presumed dead): it writes nothing more.
            if lost { throw RunLease.Lost(runID: runID) }
            guard var result else { throw CancellationError() }
            if let stop {
                result.state = .failed
                result.error = stop
            }
            return result
        }
        // Stopped from outside (the service shutting down), not failed: the run stays `running` with its files and
        // is finished by the next run. (A run timeout cancels only the run's own tasks, not this one.)
        if Task.isCancelled { throw CancellationError() }
        if outcome.state == .failed, outcome.failedTask == nil {
            outcome.failedTask = graph.tasks.first { outcome.taskStates[$0.id] == .queued }?.id
        }
        try await store.finishRun(runID, state: outcome.state, endedAt: Clock.nowMillis(), summary: summary(outcome))
        await ReportWriter.refreshIndex(store: store, reports: workspace.reports, logger: logger)
        let alert = await Alerts.summary(runID: runID, outcome: outcome, store: store)
        if outcome.state == .failed {
            await Alerts.send(alert, configuration: configuration, logger: logger)
        } else if let webhook = configuration.reportWebhook, outcome.outputs.values.contains(where: { !$0.nothingToDo }) {
            // The seed's optional notification: the run summary, when a run that loaded something succeeded.
            await Alerts.post(alert, to: webhook, logger: logger)
        }
        return outcome
    }

    /// The instance counts of the mappings whose producer succeeded, from its recorded output (`file_shards`, …).
    static func mapCounts(_ graph: TaskGraph<PipelineContext>, _ latest: [TaskInstanceKey: TaskInstanceRecord]) -> [TaskMapping: Int] {
        var counts: [TaskMapping: Int] = [:]
        for task in graph.tasks where !task.produces.isEmpty {
            guard let last = latest[TaskInstanceKey(task.id)], last.state == .success || last.state == .skipped else { continue }
            let output = TaskOutput.counts(json: last.output)
            for mapping in task.produces {
                if let count = output[mapping.rawValue] { counts[mapping] = max(0, count) }
            }
        }
        return counts
    }

    func summary(_ outcome: RunOutcome) -> String {
        var counts: [String: Int] = [:]
        for (task, output) in outcome.outputs {
            for (k, v) in output.counts { counts["\(task).\(k)"] = v }
        }
        return TaskOutput(counts).json
    }

    /// `polarpipe stats rebuild` under the run lease (a run writing statistics meanwhile would interleave with it):
    /// refuses with `anotherRunActive` while a run holds it, renews it while it works.
    public func rebuildStatistics() async throws -> (exercises: Int, users: Int) {
        let leaseID = "stats-rebuild-" + String(Clock.nowMillis())
        let fence = try await acquire(leaseID)
        let (token, store, fenced) = (fence.token, self.store, self.store.fenced(by: fence))
        let ttl = configuration.leaseTTLMillis
        let zones = configuration.heartRateZones
        do {
            let result = try await withThrowingTaskGroup(of: (exercises: Int, users: Int)?.self) { group in
                group.addTask {
                    await PipelineRunner.heartbeat(store: store, runID: leaseID, token: token, ttlMillis: ttl)
                    return nil
                }
                group.addTask { try await StatisticsRebuild.run(store: fenced, now: Clock.nowMillis(), zones: zones) }
                while let next = try await group.next() {
                    if let next {
                        group.cancelAll()
                        return next
                    }
                    if !Task.isCancelled { group.cancelAll() }
                }
                throw RunLease.Lost(runID: leaseID)
            }
            try await store.releaseLease(runID: leaseID, token: token)
            return result
        } catch {
            try? await store.releaseLease(runID: leaseID, token: token)
            throw error
        }
    }

    // MARK: Task mode

    /// The outcome of one task in task mode.
    public enum TaskModeOutcome: Sendable, Equatable {
        case done(TaskOutput)
        case nothingToDo(TaskOutput)
        /// The task failed; `willRetry` when the scheduler will run it again (the run stays open).
        case failed(String, willRetry: Bool)
    }

    /// Which try of the task this is, as the scheduler (Airflow) counts: `number` of `maxTries` (Airflow's
    /// `ti.try_number` and `ti.max_tries`, which counts the retries). Nil: a single try, as `polarpipe task` by hand.
    public struct SchedulerTry: Sendable, Equatable {
        public var number: Int
        public var maxTries: Int
        public init(number: Int, maxTries: Int) {
            self.number = number
            self.maxTries = maxTries
        }
        public var isLast: Bool { number > maxTries }
    }

    /// Runs one task of one run, once (the scheduler, e.g. Airflow, owns retries). The first task creates the run;
    /// the last one ends it. Refuses when the task's upstream instances have not succeeded, or another run is active.
    /// A mapped task runs the instance `mapIndex` (0 ..< the count its producer recorded), or, without one, each of
    /// its instances in turn.
    ///
    /// The run's tasks share its lease (`LeaseOwner.Mode.task`) and nobody else can take it between them: after a
    /// task the lease is kept for the scheduler's retry delay plus the lease TTL; a heartbeat renews it while the task
    /// runs. A failure with tries left keeps the run open (`up_for_retry`); the last failure ends it.
    public func runTask(_ taskID: String, runID: String, mapIndex: Int? = nil,
                        schedulerTry: SchedulerTry? = nil) async throws -> TaskModeOutcome {
        _ = try RunID.validated(runID)
        let graph = try TrainingPipeline.graph()
        guard let task = graph.task(taskID) else { throw TaskGraphError.unknownTask(taskID) }
        if !task.isMapped, let mapIndex, mapIndex != -1 {
            throw PipelineError.missingInput("task \(taskID) is not mapped: it has no instance \(mapIndex)")
        }
        let betweenTasks = configuration.leaseTTLMillis &+ Int64(min(max(0, configuration.retryPolicy(for: taskID).delaySeconds), 86_400) * 1000)
        let fence = try await acquire(runID, mode: .task, ttlMillis: betweenTasks)
        let (token, base, store) = (fence.token, self.store, self.store.fenced(by: fence))
        if try await store.run(runID) == nil {
            guard task.dependsOn.isEmpty else { throw PipelineError.unknownRun(runID) }
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: "task")
        }
        let latest = TaskInstanceRecord.latest(try await store.taskInstances(runID: runID))
        let counts = Self.mapCounts(graph, latest)
        var keys = [TaskInstanceKey(taskID)]
        if task.isMapped {
            guard let count = counts[task.mapping] else {
                throw PipelineError.missingInput("the \(task.mapping.rawValue) of run \(runID) are not known yet: its validate_json_files has not succeeded")
            }
            if let mapIndex {
                guard mapIndex >= 0, mapIndex < count else {
                    throw PipelineError.missingInput("run \(runID) has \(count) \(task.mapping.rawValue); there is no map index \(mapIndex)")
                }
                keys = [TaskInstanceKey(taskID, mapIndex)]
            } else {
                keys = (0 ..< count).map { TaskInstanceKey(taskID, $0) }
            }
        }
        for key in keys {
            for dep in task.dependsOn where !Self.satisfied(dep, for: key, graph: graph, latest: latest, counts: counts) {
                throw PipelineError.missingInput("task \(dep) of run \(runID) has not succeeded" + (key.mapIndex >= 0 ? " for shard \(key.mapIndex)" : ""))
            }
        }
        for key in keys {
            if var dead = latest[key], dead.state == .running {
                // A new try of an instance while its last one is still `running`: that one's process died.
                dead.state = .failed
                dead.endedAt = Clock.nowMillis()
                dead.error = PoisonPill.died
                try await store.recordTask(dead)
            }
        }
        let context = PipelineContext(runID: runID, workspace: workspace, store: store, configuration: configuration, logger: logger,
                                      onEvent: onEvent)
        let runner = DAGRunner(graph: graph, policy: RetryPolicy(retries: 0, delaySeconds: 0), recorder: store,
                               taskTimeoutSeconds: configuration.taskTimeoutSeconds, onEvent: onEvent)
        let ttl = configuration.leaseTTLMillis
        let work = keys
        // Each instance once, in order, under one heartbeat; the first failure stops the rest.
        let results = try await withThrowingTaskGroup(of: [(TaskInstanceKey, Int, Swift.Result<TaskOutput, any Error>)]?.self) { group in
            group.addTask {
                await PipelineRunner.heartbeat(store: base, runID: runID, token: token, ttlMillis: ttl)
                return nil
            }
            group.addTask {
                var done: [(TaskInstanceKey, Int, Swift.Result<TaskOutput, any Error>)] = []
                for key in work {
                    let last = latest[key]
                    let tryNumber = last.map { $0.state == .queued ? $0.tryNumber : $0.tryNumber + 1 } ?? 1
                    let (n, result) = await runner.runWithRetries(task, key: key, runID: runID, context: context,
                                                                  invocation: TaskInvocation(mapIndex: key.mapIndex), firstTry: tryNumber)
                    done.append((key, n, result))
                    if case .failure = result { break }
                }
                return done
            }
            while let next = try await group.next() {
                if let next {
                    group.cancelAll()
                    return next
                }
                if !Task.isCancelled { group.cancelAll() }  // the lease was lost
            }
            throw RunLease.Lost(runID: runID)
        }
        if keys.isEmpty {
            try await Self.recordEmptyExpansion(taskID, runID: runID, tryNumber: (latest[TaskInstanceKey(taskID)]?.tryNumber ?? 0) + 1, store: store)
        }
        let isLast = graph.downstream(of: taskID).isEmpty
        if let (key, tryNumber, failed) = results.last, case .failure(let failure) = failed {
            let error = String(describing: failure)
            // Another owner has the lease: this process may write nothing more, and a retry of it would be refused too.
            if failure is LeaseFence.Fenced { return .failed(error, willRetry: false) }
            if let schedulerTry, !schedulerTry.isLast {
                // The scheduler runs it again after its retry delay: the run stays open and keeps its lease.
                var instance = try await store.taskInstances(runID: runID).first { $0.key == key && $0.tryNumber == tryNumber }
                    ?? TaskInstanceRecord(runID: runID, taskID: taskID, mapIndex: key.mapIndex, tryNumber: tryNumber, state: .failed, error: error)
                instance.state = .upForRetry
                try await store.recordTask(instance)
                try await store.renewLease(runID: runID, token: token, now: Clock.nowMillis(), ttlMillis: betweenTasks)
                return .failed(error, willRetry: true)
            }
            try await store.finishRun(runID, state: .failed, endedAt: Clock.nowMillis(), summary: nil)
            await ReportWriter.refreshIndex(store: store, reports: workspace.reports, logger: logger)
            try await store.releaseLease(runID: runID, token: token)
            return .failed(error, willRetry: false)
        }
        if isLast {
            // A scheduler skips a mapped task with no shards without starting it (Airflow's empty expansion): record it
            // as the embedded runner does, one skipped instance with map index −1.
            let recorded = Set(try await store.taskInstances(runID: runID).map(\.taskID))
            for mapped in graph.tasks where mapped.isMapped && counts[mapped.mapping] == 0 && !recorded.contains(mapped.id) {
                try await Self.recordEmptyExpansion(mapped.id, runID: runID, tryNumber: 1, store: store)
            }
            let failed = TaskInstanceRecord.latest(try await store.taskInstances(runID: runID)).values
                .contains { $0.state != .success && $0.state != .skipped }
            try await store.finishRun(runID, state: failed ? .failed : .success, endedAt: Clock.nowMillis(), summary: nil)
            await ReportWriter.refreshIndex(store: store, reports: workspace.reports, logger: logger)
            try await store.releaseLease(runID: runID, token: token)
        } else {
            try await store.renewLease(runID: runID, token: token, now: Clock.nowMillis(), ttlMillis: betweenTasks)
        }
        let outputs = results.compactMap { try? $0.2.get() }
        let output = keys.isEmpty ? TaskOutput([:], nothingToDo: true) : TaskOutput.sum(outputs)
        return output.nothingToDo ? .nothingToDo(output) : .done(output)
    }

    /// A mapped task with no shards: one skipped instance with map index −1, as Airflow records an empty expansion.
    static func recordEmptyExpansion(_ taskID: String, runID: String, tryNumber: Int, store: any PipelineStore) async throws {
        let now = Clock.nowMillis()
        try await store.recordTask(TaskInstanceRecord(runID: runID, taskID: taskID, tryNumber: tryNumber, state: .skipped,
                                                      startedAt: now, endedAt: now, output: "{}"))
    }

    /// Whether `key`'s upstream task `dep` is done for it: a task that runs once succeeded (or had nothing to do);
    /// the same shard of a task mapped the same way succeeded; every instance of a task mapped otherwise did.
    static func satisfied(_ dep: String, for key: TaskInstanceKey, graph: TaskGraph<PipelineContext>,
                          latest: [TaskInstanceKey: TaskInstanceRecord], counts: [TaskMapping: Int]) -> Bool {
        func ok(_ k: TaskInstanceKey) -> Bool { latest[k]?.state == .success || latest[k]?.state == .skipped }
        guard let upstream = graph.task(dep), let task = graph.task(key.taskID) else { return false }
        if !upstream.isMapped { return ok(TaskInstanceKey(dep)) }
        if upstream.mapping == task.mapping, key.mapIndex >= 0 { return ok(TaskInstanceKey(dep, key.mapIndex)) }
        guard let count = counts[upstream.mapping] else { return false }
        return (0 ..< count).allSatisfy { ok(TaskInstanceKey(dep, $0)) }
    }
}

import Foundation
import Logging

/// Runs the DAG once over a workspace: takes the one-active-run lease (refusing at once when another live run
/// holds it), records the run, runs the graph with retries while a heartbeat keeps the lease fresh, and records
/// the outcome.
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
        return kill(holder.owner.pid, 0) != 0 && errno == ESRCH
    }

    /// Runs the whole DAG. Throws `PipelineError.anotherRunActive` without touching anything when another run is active.
    public func run(runID: String = PipelineRunner.newRunID(), trigger: String = "manual") async throws -> RunOutcome {
        let graph = try TaskGraph<PipelineContext>(TrainingPipeline.dagID, try TrainingPipeline.graph().tasks)
        let ttl = configuration.leaseTTLMillis
        if let holder = try await store.acquireLease(runID: runID, owner: PipelineRunner.currentOwner(), now: Clock.nowMillis(),
                                                     ttlMillis: ttl, isStale: PipelineRunner.isStale) {
            throw PipelineError.anotherRunActive(runID: holder.runID, since: holder.acquiredAt)
        }
        do {
            try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: trigger)
            let context = PipelineContext(runID: runID, workspace: workspace, store: store, configuration: configuration, logger: logger)
            let runner = DAGRunner(graph: graph, policy: configuration.retryPolicy, recorder: store, onEvent: onEvent)
            let outcome = try await withThrowingTaskGroup(of: RunOutcome?.self) { group in
                group.addTask {
                    // Heartbeat: renew the lease a few times per TTL until the run ends.
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: UInt64(ttl / 4) * 1_000_000)
                        if Task.isCancelled { break }
                        try? await store.renewLease(runID: runID, now: Clock.nowMillis(), ttlMillis: ttl)
                    }
                    return nil
                }
                group.addTask { try await runner.run(runID: runID, context: context) }
                var result: RunOutcome?
                while let next = try await group.next() {
                    if let next {
                        result = next
                        group.cancelAll()
                    }
                }
                guard let result else { throw CancellationError() }
                return result
            }
            try await store.finishRun(runID, state: outcome.state, endedAt: Clock.nowMillis(), summary: summary(outcome))
            try await store.releaseLease(runID: runID)
            return outcome
        } catch {
            try? await store.finishRun(runID, state: .failed, endedAt: Clock.nowMillis(), summary: nil)
            try? await store.releaseLease(runID: runID)
            throw error
        }
    }

    func summary(_ outcome: RunOutcome) -> String {
        var counts: [String: Int] = [:]
        for (task, output) in outcome.outputs {
            for (k, v) in output.counts { counts["\(task).\(k)"] = v }
        }
        return TaskOutput(counts).json
    }
}

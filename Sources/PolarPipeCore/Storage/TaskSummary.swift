/// A task's instances of one run taken together — one row for a task that runs once, all shards of a mapped task —
/// for `runs show`, the dashboards, metrics and alerts.
public struct TaskSummary: Sendable, Equatable {
    public var taskID: String
    /// Failed when an instance failed (then `upstream_failed`, then still running or queued); skipped when every
    /// instance was; else success.
    public var state: TaskState
    /// The most tries one instance took.
    public var tries: Int
    /// The instances of a mapped task (nil for a task that is not mapped).
    public var mappedInstances: Int?
    /// First start and last end over the instances.
    public var startedAt: Int64?
    public var endedAt: Int64?
    /// The instances' output counts added up.
    public var output: TaskOutput
    /// The tries that failed, in order.
    public var failures: [TaskInstanceRecord]

    public var seconds: Double? { startedAt.flatMap { s in endedAt.map { Double($0 - s) / 1000 } } }

    /// The summaries of one run's rows, by task id.
    public static func of(_ rows: [TaskInstanceRecord]) -> [String: TaskSummary] {
        let latest = TaskInstanceRecord.latest(rows)
        var result: [String: TaskSummary] = [:]
        for (taskID, keys) in Dictionary(grouping: latest.keys, by: \.taskID) {
            let last = keys.compactMap { latest[$0] }
            let states = last.map(\.state)
            let state: TaskState
            if states.contains(.failed) { state = .failed }
            else if states.contains(.upstreamFailed) { state = .upstreamFailed }
            else if states.contains(.running) { state = .running }
            else if states.contains(.upForRetry) { state = .upForRetry }
            else if states.contains(.queued) { state = .queued }
            else { state = states.allSatisfy { $0 == .skipped } ? .skipped : .success }
            let mapped = keys.contains { $0.mapIndex >= 0 }
            result[taskID] = TaskSummary(
                taskID: taskID, state: state, tries: last.map(\.tryNumber).max() ?? 1,
                mappedInstances: mapped ? keys.filter { $0.mapIndex >= 0 }.count : nil,
                startedAt: last.compactMap(\.startedAt).min(), endedAt: last.compactMap(\.endedAt).max(),
                output: TaskOutput.sum(last.map { TaskOutput(TaskOutput.counts(json: $0.output)) }),
                failures: rows.filter { $0.taskID == taskID && $0.error != nil })
        }
        return result
    }
}

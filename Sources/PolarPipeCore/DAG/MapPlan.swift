/// The bookkeeping of one `DAGRunner.run`: which task instances exist (mapped tasks grow as their shards are
/// announced), the state of each, and which may start now.
struct MapPlan<Context: Sendable> {
    let graph: TaskGraph<Context>
    let completed: Set<TaskInstanceKey>
    var states: [TaskInstanceKey: TaskState] = [:]
    /// Instances known so far per mapping, and the mappings whose count is final.
    private(set) var counts: [TaskMapping: Int] = [:]
    private(set) var final: Set<TaskMapping> = []
    /// Instances that failed after their retries, and mapped tasks all of whose instances are blocked by one.
    private(set) var failures: [TaskInstanceKey] = []
    private(set) var blockedTasks: Set<String> = []
    private var reported: Set<String> = []
    private let position: [String: Int]

    init(graph: TaskGraph<Context>, completed: Set<TaskInstanceKey>) {
        self.graph = graph
        self.completed = completed
        position = Dictionary(uniqueKeysWithValues: graph.tasks.enumerated().map { ($0.element.id, $0.offset) })
        for task in graph.tasks where !task.isMapped {
            let key = TaskInstanceKey(task.id)
            states[key] = completed.contains(key) ? .success : .queued
        }
    }

    /// Adds the instances of `mapping` up to `count` (counts only grow); with `final`, the count is the last word,
    /// and a count of 0 makes each task of the mapping one skipped instance (map index −1), as Airflow does with
    /// an empty expansion. Returns the instances to record, completed ones left out.
    mutating func expand(_ mapping: TaskMapping, _ count: Int, final isFinal: Bool) -> [TaskInstanceKey] {
        guard mapping != .none, !final.contains(mapping) else { return [] }
        var added: [TaskInstanceKey] = []
        let known = counts[mapping] ?? 0
        for task in graph.tasks where task.mapping == mapping && count > known {
            for index in known ..< count {
                let key = TaskInstanceKey(task.id, index)
                if completed.contains(key) {
                    states[key] = .success
                } else {
                    states[key] = failures.contains { graph.instance(key, dependsOn: $0) } ? .upstreamFailed : .queued
                    added.append(key)
                }
            }
        }
        counts[mapping] = max(known, count)
        if isFinal {
            final.insert(mapping)
            if counts[mapping] == 0 {
                for task in graph.tasks where task.mapping == mapping && !blockedTasks.contains(task.id) {
                    let key = TaskInstanceKey(task.id)
                    states[key] = .skipped
                    if !completed.contains(key) { added.append(key) }
                }
            }
        }
        return added
    }

    /// Queued instances whose inputs are ready: tasks that run once first, then by shard (depth-first), then in the
    /// graph's order.
    func ready() -> [TaskInstanceKey] {
        states.filter { $0.value == .queued }.map(\.key).filter(isReady).sorted { a, b in
            if (a.mapIndex < 0) != (b.mapIndex < 0) { return a.mapIndex < 0 }
            if a.mapIndex != b.mapIndex { return a.mapIndex < b.mapIndex }
            return (position[a.taskID] ?? 0) < (position[b.taskID] ?? 0)
        }
    }

    func isReady(_ key: TaskInstanceKey) -> Bool {
        guard let task = graph.task(key.taskID) else { return false }
        return task.dependsOn.allSatisfy { dep in
            guard let upstream = graph.task(dep) else { return false }
            if !upstream.isMapped {
                let state = states[TaskInstanceKey(dep)]
                if state == .success || state == .skipped { return true }
                // Pipelining: the producer still runs, but this instance's shard is complete.
                return key.mapIndex >= 0 && state == .running && upstream.produces.contains(task.mapping)
                    && key.mapIndex < (counts[task.mapping] ?? 0)
            }
            if upstream.mapping == task.mapping, key.mapIndex >= 0 {
                let state = states[TaskInstanceKey(dep, key.mapIndex)]
                return state == .success || state == .skipped
            }
            return allSucceeded(dep)
        }
    }

    /// Whether every instance of a mapped task is known and succeeded (or was skipped).
    func allSucceeded(_ taskID: String) -> Bool {
        guard let task = graph.task(taskID), final.contains(task.mapping) else { return false }
        return instances(of: taskID).allSatisfy { states[$0] == .success || states[$0] == .skipped }
    }

    func instances(of taskID: String) -> [TaskInstanceKey] {
        states.keys.filter { $0.taskID == taskID }.sorted()
    }

    var producerRunning: Bool {
        graph.tasks.contains { !$0.produces.isEmpty && states[TaskInstanceKey($0.id)] == .running }
    }

    /// Marks what depends on the failed instance `failed` as `upstream_failed`; returns those instances.
    mutating func blockAll(after failed: TaskInstanceKey) -> [TaskInstanceKey] {
        failures.append(failed)
        var blocked: [TaskInstanceKey] = []
        for (key, state) in states where state == .queued && graph.instance(key, dependsOn: failed) {
            states[key] = .upstreamFailed
            blocked.append(key)
        }
        // Mapped tasks not fully expanded: when no future instance can run either, the whole task is blocked.
        for task in graph.tasks where task.isMapped && !final.contains(task.mapping) {
            let future = TaskInstanceKey(task.id, counts[task.mapping] ?? 0)
            if graph.instance(future, dependsOn: failed) { blockedTasks.insert(task.id) }
        }
        return blocked.sorted()
    }

    /// The state of a task: a mapped task's instances together.
    func taskState(_ taskID: String) -> TaskState {
        let keys = instances(of: taskID)
        if keys.isEmpty { return blockedTasks.contains(taskID) ? .upstreamFailed : .queued }
        let all = keys.compactMap { states[$0] }
        if all.contains(.failed) { return .failed }
        if all.contains(.upstreamFailed) { return .upstreamFailed }
        if all.contains(where: { $0 != .success && $0 != .skipped }) { return .queued }
        if blockedTasks.contains(taskID) && !final.contains(graph.task(taskID)?.mapping ?? .none) { return .upstreamFailed }
        return all.allSatisfy { $0 == .skipped } ? .skipped : .success
    }

    /// The state of a mapped task whose instances have all ended, once (nil before, and after it was reported).
    mutating func finishedMappedTask(_ taskID: String) -> TaskState? {
        guard !reported.contains(taskID), let task = graph.task(taskID), task.isMapped, final.contains(task.mapping) else { return nil }
        let state = taskState(taskID)
        guard state != .queued else { return nil }
        reported.insert(taskID)
        return state
    }
}

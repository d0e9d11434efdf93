/// States of a task instance (SPEC §2, as in Airflow).
public enum TaskState: String, Sendable, Codable, CaseIterable {
    case queued, running, success, failed
    case upForRetry = "up_for_retry"
    case upstreamFailed = "upstream_failed"
    case skipped
}

/// What a task reports when it ends: counts for the run history (`files`, `exercises`, `samples`, …).
public struct TaskOutput: Sendable, Equatable {
    public var counts: [String: Int]
    /// True when the task found nothing to do (task mode exits 99).
    public var nothingToDo: Bool
    public init(_ counts: [String: Int] = [:], nothingToDo: Bool = false) {
        self.counts = counts
        self.nothingToDo = nothingToDo
    }

    /// The counts as a JSON object with sorted keys.
    public var json: String {
        "{" + counts.keys.sorted().map { "\"\($0)\":\(counts[$0] ?? 0)" }.joined(separator: ",") + "}"
    }
}

/// Whether a task runs once or once per shard of the run, as Airflow's dynamic task mapping (`expand`).
public enum TaskMapping: String, Sendable, CaseIterable {
    /// One instance, map index −1.
    case none
    /// One instance per file shard (map index 0 ..< `file_shards` of the producing task's output).
    case fileShards = "file_shards"
    /// One instance per user shard (map index 0 ..< `user_shards`).
    case userShards = "user_shards"
}

/// One instance of a task: its id and map index (−1 for a task that is not mapped).
public struct TaskInstanceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var taskID: String
    public var mapIndex: Int
    public init(_ taskID: String, _ mapIndex: Int = -1) {
        self.taskID = taskID
        self.mapIndex = mapIndex
    }
    /// `extract_user_data[3]`, or the task id of an unmapped task.
    public var description: String { mapIndex < 0 ? taskID : "\(taskID)[\(mapIndex)]" }
    public static func < (a: Self, b: Self) -> Bool { (a.taskID, a.mapIndex) < (b.taskID, b.mapIndex) }
}

/// What a task's body is told about the instance it runs as.
public struct TaskInvocation: Sendable {
    /// 0 ..< n for an instance of a mapped task, −1 otherwise.
    public let mapIndex: Int
    /// A producing task calls this while it runs: the first `count` shards of the mapping are complete, so their
    /// instances may start before the producer ends (the embedded runner pipelines them; Airflow waits for the end).
    public let shardsReady: @Sendable (TaskMapping, Int) -> Void
    /// Which try of the instance this is (1 = the first), set by the runner for each try.
    public internal(set) var tryNumber = 1

    public init(mapIndex: Int, shardsReady: @escaping @Sendable (TaskMapping, Int) -> Void = { _, _ in }) {
        self.mapIndex = mapIndex
        self.shardsReady = shardsReady
    }
}

/// One node of the DAG: an id, the ids it depends on, how it is mapped, and its body.
public struct PipelineTask<Context: Sendable>: Sendable {
    public let id: String
    public let dependsOn: [String]
    public let mapping: TaskMapping
    /// The mappings whose instance counts this task's output gives (`counts[mapping.rawValue]`).
    public let produces: [TaskMapping]
    public let body: @Sendable (Context, TaskInvocation) async throws -> TaskOutput

    public init(_ id: String, dependsOn: [String] = [], mapping: TaskMapping = .none, produces: [TaskMapping] = [],
                _ body: @escaping @Sendable (Context, TaskInvocation) async throws -> TaskOutput) {
        self.id = id
        self.dependsOn = dependsOn
        self.mapping = mapping
        self.produces = produces
        self.body = body
    }

    /// A task that runs once.
    public init(_ id: String, dependsOn: [String] = [], _ body: @escaping @Sendable (Context) async throws -> TaskOutput) {
        self.init(id, dependsOn: dependsOn) { context, _ in try await body(context) }
    }

    public var isMapped: Bool { mapping != .none }
}

public enum TaskGraphError: Error, Equatable, CustomStringConvertible {
    case duplicateTask(String)
    case unknownDependency(task: String, dependency: String)
    case cycle([String])
    case unknownTask(String)
    /// A mapped task with no upstream task that produces its mapping's count.
    case noProducer(task: String, mapping: String)

    public var description: String {
        switch self {
        case .duplicateTask(let id): return "task id '\(id)' is declared twice"
        case .unknownDependency(let task, let dep): return "task '\(task)' depends on unknown task '\(dep)'"
        case .cycle(let path): return "the graph has a cycle: " + path.joined(separator: " → ")
        case .unknownTask(let id): return "no task '\(id)' in the graph"
        case .noProducer(let task, let mapping): return "mapped task '\(task)' has no upstream task that produces \(mapping)"
        }
    }
}

/// A validated DAG of tasks: unique ids, known dependencies, no cycle.
public struct TaskGraph<Context: Sendable>: Sendable {
    public let id: String
    /// Tasks in a topological order (declaration order among independent tasks).
    public let tasks: [PipelineTask<Context>]

    public init(_ id: String, _ tasks: [PipelineTask<Context>]) throws(TaskGraphError) {
        self.id = id
        var seen = Set<String>()
        for task in tasks where !seen.insert(task.id).inserted {
            throw .duplicateTask(task.id)
        }
        for task in tasks {
            for dep in task.dependsOn where !seen.contains(dep) {
                throw .unknownDependency(task: task.id, dependency: dep)
            }
        }
        self.tasks = try TaskGraph.topologicalOrder(tasks)
        for task in self.tasks where task.isMapped {
            guard upstream(of: task.id).contains(where: { self.task($0)?.produces.contains(task.mapping) == true }) else {
                throw .noProducer(task: task.id, mapping: task.mapping.rawValue)
            }
        }
    }

    public func task(_ id: String) -> PipelineTask<Context>? { tasks.first { $0.id == id } }

    /// Ids of every task downstream of `id` (not including it).
    public func downstream(of id: String) -> Set<String> {
        var result = Set<String>()
        var frontier = [id]
        while let current = frontier.popLast() {
            for task in tasks where task.dependsOn.contains(current) && !result.contains(task.id) {
                result.insert(task.id)
                frontier.append(task.id)
            }
        }
        return result
    }

    /// Ids of every task upstream of `id` (not including it).
    public func upstream(of id: String) -> Set<String> {
        var result = Set<String>()
        var frontier = [id]
        while let current = frontier.popLast() {
            for dep in task(current)?.dependsOn ?? [] where !result.contains(dep) {
                result.insert(dep)
                frontier.append(dep)
            }
        }
        return result
    }

    /// Whether instance `later` needs instance `earlier` (directly or through other tasks): always when `later`'s
    /// task is downstream, except for two instances of different shards of one mapped chain (every task between
    /// them mapped the same way), which are independent.
    public func instance(_ later: TaskInstanceKey, dependsOn earlier: TaskInstanceKey) -> Bool {
        guard downstream(of: earlier.taskID).contains(later.taskID), let a = task(earlier.taskID), let b = task(later.taskID)
        else { return false }
        guard a.isMapped, a.mapping == b.mapping, earlier.mapIndex >= 0, later.mapIndex >= 0 else { return true }
        let between = downstream(of: a.id).intersection(upstream(of: b.id))
        let sameChain = between.allSatisfy { task($0)?.mapping == a.mapping }
        return !sameChain || earlier.mapIndex == later.mapIndex
    }

    /// Depth-first ordering that reports the first cycle found as a path `a → b → … → a`.
    static func topologicalOrder(_ tasks: [PipelineTask<Context>]) throws(TaskGraphError) -> [PipelineTask<Context>] {
        let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        var marks: [String: TopologicalMark] = [:]
        var order: [PipelineTask<Context>] = []
        var stack: [String] = []

        func visit(_ id: String) throws(TaskGraphError) {
            if marks[id] == .done { return }
            if marks[id] == .visiting {
                let start = stack.firstIndex(of: id) ?? 0
                throw .cycle(Array(stack[start...]) + [id])
            }
            marks[id] = .visiting
            stack.append(id)
            for dep in byID[id]?.dependsOn ?? [] { try visit(dep) }
            stack.removeLast()
            marks[id] = .done
            if let task = byID[id] { order.append(task) }
        }
        for task in tasks { try visit(task.id) }
        return order
    }
}

enum TopologicalMark { case visiting, done }

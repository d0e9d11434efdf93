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

/// One node of the DAG: an id, the ids it depends on, and its body.
public struct PipelineTask<Context: Sendable>: Sendable {
    public let id: String
    public let dependsOn: [String]
    public let body: @Sendable (Context) async throws -> TaskOutput

    public init(_ id: String, dependsOn: [String] = [], _ body: @escaping @Sendable (Context) async throws -> TaskOutput) {
        self.id = id
        self.dependsOn = dependsOn
        self.body = body
    }
}

public enum TaskGraphError: Error, Equatable, CustomStringConvertible {
    case duplicateTask(String)
    case unknownDependency(task: String, dependency: String)
    case cycle([String])
    case unknownTask(String)

    public var description: String {
        switch self {
        case .duplicateTask(let id): return "task id '\(id)' is declared twice"
        case .unknownDependency(let task, let dep): return "task '\(task)' depends on unknown task '\(dep)'"
        case .cycle(let path): return "the graph has a cycle: " + path.joined(separator: " → ")
        case .unknownTask(let id): return "no task '\(id)' in the graph"
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

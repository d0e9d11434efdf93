/// Text renderings of a task graph for `polarpipe dag`.
public enum GraphFormat: String, CaseIterable, Sendable {
    case text, dot, mermaid

    public func render<C>(_ graph: TaskGraph<C>) -> String {
        switch self {
        case .text:
            var lines = ["DAG \(graph.id) (\(graph.tasks.count) tasks)"]
            for task in graph.tasks {
                lines.append(task.dependsOn.isEmpty ? "  \(task.id)" : "  \(task.id)  ← \(task.dependsOn.joined(separator: ", "))")
            }
            return lines.joined(separator: "\n")
        case .dot:
            var lines = ["digraph \"\(graph.id)\" {", "  rankdir=LR;", "  node [shape=box];"]
            for task in graph.tasks {
                lines.append("  \"\(task.id)\";")
                for dep in task.dependsOn { lines.append("  \"\(dep)\" -> \"\(task.id)\";") }
            }
            return (lines + ["}"]).joined(separator: "\n")
        case .mermaid:
            var lines = ["flowchart LR"]
            for task in graph.tasks {
                if task.dependsOn.isEmpty { lines.append("  \(task.id)") }
                for dep in task.dependsOn { lines.append("  \(dep) --> \(task.id)") }
            }
            return lines.joined(separator: "\n")
        }
    }
}

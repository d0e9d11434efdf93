import ArgumentParser
import Foundation
import PolarPipeCore

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Show run history.",
        subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent runs.")
        @OptionGroup var options: WorkspaceOptions
        @Option(help: "How many runs to show (1 to 10000).") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1 ... 10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
        }

        func run() async throws {
            let store = try await options.openReadStore()
            let runs = try await store.runs(limit: limit)
            if json {
                print(try RunHistoryJSON.encode(runs.map { RunHistoryJSON.Run($0, tasks: nil) }))
                return
            }
            guard !runs.isEmpty else { print("no runs yet"); return }
            let rows = runs.map { r in
                [r.runID, r.state.rawValue, Format.date(r.startedAt),
                 r.endedAt.map { String(format: "%.2fs", Double($0 - r.startedAt) / 1000) } ?? "–"]
            }
            TextTable.lines(["RUN", "STATE", "STARTED (UTC)", "DURATION"], rows).forEach { print($0) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run with its task instances.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The run id.") var runID: String
        @Flag(help: "List every instance of the mapped tasks (one per shard), not only their totals.") var instances = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openReadStore()
            guard let run = try await store.run(runID) else {
                throw CLIError("no run with id \(runID); `polarpipe runs list` shows the recent runs")
            }
            let tasks = try await store.taskInstances(runID: runID)
            let report = try await ImportReport.load(runID: runID, store: store)
            if json {
                print(try RunHistoryJSON.encode(RunHistoryJSON.Run(run, tasks: tasks, importReport: report)))
                return
            }
            print("run \(run.runID): \(run.state.rawValue), started \(Format.date(run.startedAt)) UTC, trigger \(run.trigger)")
            print("files:")
            report.lines.forEach { print("  " + $0) }
            let summaries = TaskSummary.of(tasks)
            let latest = TaskInstanceRecord.latest(tasks)
            let order = (try? TrainingPipeline.graph().tasks.map(\.id)) ?? Array(summaries.keys).sorted()
            func seconds(_ s: Double?) -> String { s.map { String(format: "%.2fs", $0) } ?? "–" }
            var rows: [[String]] = []
            var errors: [String: [String]] = [:]
            for id in order {
                guard let summary = summaries[id] else { continue }
                // A mapped task: its instances' totals, then each instance when asked for (or when it failed).
                rows.append([id, summary.state.rawValue, "\(summary.tries)", summary.mappedInstances.map(String.init) ?? "–",
                             seconds(summary.seconds), summary.output.counts.isEmpty ? "" : summary.output.json])
                errors[id] = summary.failures.map { t in "    " + TaskInstanceKey(t.taskID, t.mapIndex).description + " try \(t.tryNumber): \(t.error ?? "")" }
                guard summary.mappedInstances != nil else { continue }
                for key in latest.keys.filter({ $0.taskID == id && $0.mapIndex >= 0 }).sorted() {
                    guard let row = latest[key], instances || (row.state != .success && row.state != .skipped) else { continue }
                    let duration = row.startedAt.flatMap { s in row.endedAt.map { Double($0 - s) / 1000 } }
                    rows.append(["  [\(key.mapIndex)]", row.state.rawValue, "\(row.tryNumber)", "", seconds(duration), row.output ?? ""])
                }
            }
            let lines = TextTable.lines(["TASK", "STATE", "TRIES", "SHARDS", "DURATION", "OUTPUT"], rows)
            print(lines[0])
            for (row, line) in zip(rows, lines.dropFirst()) {
                print(line)
                errors[row[0]]?.forEach { print($0) }
            }
        }
    }
}

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
        @Option(help: "How many runs to show.") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openReadStore()
            let runs = try await store.runs(limit: limit)
            if json {
                print(try RunHistoryJSON.encode(runs.map { RunHistoryJSON.Run($0, tasks: nil) }))
                return
            }
            guard !runs.isEmpty else { print("no runs yet"); return }
            print("RUN".padding(toLength: 30, withPad: " ", startingAt: 0) + "STATE    STARTED (UTC)        DURATION")
            for r in runs {
                let duration = r.endedAt.map { String(format: "%.2fs", Double($0 - r.startedAt) / 1000) } ?? "–"
                print(r.runID.padding(toLength: 30, withPad: " ", startingAt: 0)
                      + r.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + Format.date(r.startedAt).padding(toLength: 21, withPad: " ", startingAt: 0) + duration)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run with its task instances.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The run id.") var runID: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openReadStore()
            guard let run = try await store.run(runID) else { throw ValidationError("no run with id \(runID)") }
            let tasks = try await store.taskInstances(runID: runID)
            if json {
                print(try RunHistoryJSON.encode(RunHistoryJSON.Run(run, tasks: tasks)))
                return
            }
            print("run \(run.runID): \(run.state.rawValue), started \(Format.date(run.startedAt)) UTC, trigger \(run.trigger)")
            print("TASK".padding(toLength: 32, withPad: " ", startingAt: 0) + "STATE            TRIES  DURATION  OUTPUT")
            let latest = Dictionary(grouping: tasks, by: \.taskID)
            let order = (try? TrainingPipeline.graph().tasks.map(\.id)) ?? Array(latest.keys)
            for id in order {
                guard let tries = latest[id], let last = tries.max(by: { $0.tryNumber < $1.tryNumber }) else { continue }
                let duration = last.startedAt.flatMap { s in last.endedAt.map { String(format: "%.2fs", Double($0 - s) / 1000) } } ?? "–"
                print(id.padding(toLength: 32, withPad: " ", startingAt: 0)
                      + last.state.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                      + "\(last.tryNumber)".padding(toLength: 7, withPad: " ", startingAt: 0)
                      + duration.padding(toLength: 10, withPad: " ", startingAt: 0) + (last.output ?? ""))
                for t in tries where t.error != nil {
                    print("    try \(t.tryNumber): \(t.error ?? "")")
                }
            }
        }
    }
}

import ArgumentParser
import Foundation
import PolarPipeCore

struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run one task of one run (task mode, used by Airflow).",
        discussion: """
            The first task (validate_json_files) creates the run; cleanup_and_archive ends it. The run id may also be \
            given in the RUN_ID environment variable; TRY_NUMBER and MAX_TRIES (set by the \
            Airflow DAG) tell a try with retries left, which keeps the run open when it fails. A mapped task (see \
            `polarpipe dag`) runs the instance --map-index N (or $MAP_INDEX), 0 up to the count validate_json_files \
            printed (file_shards, user_shards); without one, each of its instances in turn. The last line printed is \
            the task's output as a JSON object. Exit status: 0 done, 99 nothing to do, 1 the task failed, 75 another \
            run is active.
            """)

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The task id (see `polarpipe dag`).") var taskID: String
    @Option(name: .customLong("run-id"), help: "The run id (default: $RUN_ID).") var runID: String?
    @Option(name: .customLong("map-index"), help: "The instance of a mapped task, from 0 (default: $MAP_INDEX; none: every instance).")
    var mapIndex: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let runID = runID ?? environment["RUN_ID"], !runID.isEmpty else {
            throw ValidationError("give --run-id or set RUN_ID")
        }
        guard RunID.isValid(runID) else { throw ValidationError(String(describing: RunID.Invalid(runID: runID))) }
        // Airflow says which try this is (`ti.try_number` of `ti.max_tries`); without it the try is the last.
        let schedulerTry = Int(environment["TRY_NUMBER"] ?? "").flatMap { number in
            Int(environment["MAX_TRIES"] ?? "").map { PipelineRunner.SchedulerTry(number: number, maxTries: $0) }
        }
        var index = mapIndex
        if index == nil, let text = environment["MAP_INDEX"], !text.isEmpty {
            guard let parsed = Int(text) else { throw ValidationError("MAP_INDEX must be an integer (got \(text))") }
            index = parsed
        }
        if let index, !(-1 ... 10_000_000).contains(index) { throw ValidationError("--map-index must be from -1 to 10000000") }
        let logger = options.makeLogger()
        let ws = options.resolvedWorkspace
        try ws.create()
        let store = try await options.openStore()
        let runner = PipelineRunner(workspace: ws, store: store, configuration: try options.loadConfiguration(), logger: logger,
                                    onEvent: ProgressPrinter(quiet: false).handle)
        do {
            switch try await runner.runTask(taskID, runID: runID, mapIndex: index, schedulerTry: schedulerTry) {
            case .done(let output):
                print(output.json)
            case .nothingToDo(let output):
                print(output.json)
                throw ExitCode(99)
            case .failed(let error, let willRetry):
                let retry = willRetry ? " (the scheduler retries it; the run stays open)" : ""
                FileHandle.standardError.write(Data("polarpipe: task \(taskID) failed\(retry): \(error)\n".utf8))
                throw ExitCodes.runFailed
            }
        } catch let error as PipelineError {
            FileHandle.standardError.write(Data("polarpipe: \(error)\n".utf8))
            if case .anotherRunActive = error { throw ExitCodes.busy }
            throw ExitCodes.runFailed
        } catch let error as TaskGraphError {
            throw ValidationError(error.description)
        }
    }
}

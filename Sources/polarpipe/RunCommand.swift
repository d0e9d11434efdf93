import ArgumentParser
import Foundation
import PolarPipeCore
import PolarPipeSQLite

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the training_data_pipeline DAG once over the inbox.",
        discussion: "Exit status: 0 when the run succeeded (quarantined files are not a failure), 1 when a task failed after its retries, 75 when another run is active.")

    @OptionGroup var options: WorkspaceOptions

    @Option(help: "Retries of a failed task (default 3).")
    var retries: Int?

    @Option(name: .customLong("retry-delay"), help: "Seconds before a retry (default 300).")
    var retryDelay: Double?

    @Option(name: .customLong("max-exercises"), help: "At most this many exercises per run (default 1000).")
    var maxExercises: Int?

    @Option(name: .customLong("settle-seconds"), help: "Do not claim files changed within this many seconds (default 0).")
    var settleSeconds: Double?

    @Option(help: "Rerun the failed part of this run instead of starting a new one.")
    var resume: String?

    @Flag(help: "Print only the final summary.")
    var quiet = false

    func validate() throws {
        typealias Bounds = ConfigurationBounds
        if let retries, !Bounds.retries.contains(retries) { throw ValidationError("--retries must be \(Self.text(Bounds.retries))") }
        if let retryDelay, !Bounds.delaySeconds.contains(retryDelay) {
            throw ValidationError("--retry-delay must be \(Self.text(Bounds.delaySeconds)) seconds")
        }
        if let maxExercises, !Bounds.maxExercises.contains(maxExercises) {
            throw ValidationError("--max-exercises must be \(Self.text(Bounds.maxExercises))")
        }
        if let settleSeconds, !Bounds.settleSeconds.contains(settleSeconds) {
            throw ValidationError("--settle-seconds must be \(Self.text(Bounds.settleSeconds)) seconds")
        }
        if quiet, options.verbose { throw ValidationError("--quiet and --verbose exclude each other") }
        if let resume, !RunID.isValid(resume) { throw ValidationError(String(describing: RunID.Invalid(runID: resume))) }
    }

    func run() async throws {
        let logger = options.makeLogger(quiet: quiet)
        let isNew = !FileManager.default.fileExists(atPath: options.resolvedWorkspace.root.path)
        let ws = try options.createWorkspace()
        let store = try await options.openStore()
        var config = try options.loadConfiguration()
        if let retries { config.retryPolicy.retries = retries }
        if let retryDelay { config.retryPolicy.delaySeconds = retryDelay }
        if let maxExercises { config.maxExercisesPerRun = maxExercises }
        if let settleSeconds { config.settleSeconds = settleSeconds }
        try ConfigurationBounds.validate(config)  // the flags are held to the same ranges as the configuration file
        let progress = ProgressPrinter(quiet: quiet, inbox: ws.inbox, settleSeconds: config.settleSeconds)
        let runner = PipelineRunner(workspace: ws, store: store, configuration: config, logger: logger,
                                    onEvent: progress.handle)
        let runID = resume ?? PipelineRunner.newRunID()
        if !quiet { print("polarpipe \(resume == nil ? "run" : "resume") \(runID) — workspace \(ws.root.path)") }
        let outcome: RunOutcome
        do {
            if resume != nil {
                outcome = try await runner.resume(runID: runID)
            } else {
                let result = try await runner.run(runID: runID)
                for (id, recovered) in result.recovered {
                    print("finished interrupted run \(id): \(recovered.state.rawValue)")
                }
                outcome = result.outcome
            }
        } catch let error as PipelineError {
            FileHandle.standardError.write(Data("polarpipe: \(error)\n".utf8))
            if case .anotherRunActive = error { throw ExitCodes.busy }
            throw ExitCodes.runFailed
        }
        let report = try await ImportReport.load(runID: runID, store: store)
        let total = report.total
        let exercises = try await store.exerciseCount(runID: runID)
        let megabytes = ProgressPrinter.megabytes(report.bytesOnDisk)
        print("run \(runID) \(outcome.state.rawValue): \(total.files) files (\(megabytes)) — \(total.loaded) loaded, "
              + "\(total.duplicates) duplicate, \(total.skippedCount) skipped, \(total.quarantinedCount) quarantined; \(exercises) exercises")
        if total.quarantinedCount > 0 { print("quarantined files and their reasons: polarpipe runs show \(runID)") }
        if report.rows == 0, outcome.state == .success { print(Self.emptyInboxHint(ws, isNew: isNew, settleSeconds: config.settleSeconds)) }
        if outcome.state == .success, exercises > 0 {
            print("dashboard: \(ws.reports.appendingPathComponent("index.html").path)")
        }
        if outcome.state != .success {
            FileHandle.standardError.write(Data("polarpipe: task \(outcome.failedTask ?? "?") failed: \(outcome.error ?? "")\n".utf8))
            throw ExitCodes.runFailed
        }
    }

    /// "from 1 to 10000000", the way the configuration's messages give a range.
    static func text<T: Comparable & CustomStringConvertible>(_ range: ClosedRange<T>) -> String {
        func plain(_ v: T) -> String { (v as? Double).map { Format.number($0, digits: 0) } ?? v.description }
        return "from \(plain(range.lowerBound)) to \(plain(range.upperBound))"
    }

    /// What to do when a run found no file to claim: where files go, or why the ones there waited.
    static func emptyInboxHint(_ ws: Workspace, isNew: Bool, settleSeconds: Double) -> String {
        let waiting = InboxScanner.scan(ws.inbox, settleSeconds: 0).count
        guard waiting == 0 else {
            return (waiting == 1 ? "1 file" : "\(waiting) files") + " in \(ws.inbox.path) changed within the last "
                + "\(Format.number(settleSeconds, digits: 0)) s (--settle-seconds); run again when \(waiting == 1 ? "it is" : "they are") complete"
        }
        return (isNew ? "new workspace" : "the inbox is empty")
            + ": put training files in \(ws.inbox.path)/<user-key>/ and run again"
    }
}

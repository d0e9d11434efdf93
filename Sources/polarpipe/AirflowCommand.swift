import ArgumentParser
import Foundation
import PolarPipeCore

struct AirflowDagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airflow-dag",
        abstract: "Print the Airflow 3 DAG file that runs the ten tasks (the per-shard ones mapped) with `polarpipe task`.")

    @Option(help: "Path of the polarpipe binary on the workers.") var binary = "/usr/local/bin/polarpipe"
    @Option(help: "Workspace folder shared by the workers.") var workspace = "/data/polarpipe"
    @Option(help: "Database URL shared by the workers (default: the workspace's SQLite file).") var database: String?
    @Option(help: "Cron schedule, or none: runs only when triggered (airflow dags trigger).") var schedule = "0 2 * * *"
    @Option(help: "Retries of a failed task.") var retries = 3
    @Option(name: .customLong("retry-delay"), help: "Seconds between retries.") var retryDelay: Double = 300

    func validate() throws {
        if let cron { do { _ = try CronSchedule(cron) } catch { throw ValidationError(error.message) } }
        guard ConfigurationBounds.retries.contains(retries) else {
            throw ValidationError("--retries must be \(RunCommand.text(ConfigurationBounds.retries))")
        }
        guard ConfigurationBounds.delaySeconds.contains(retryDelay) else {
            throw ValidationError("--retry-delay must be \(RunCommand.text(ConfigurationBounds.delaySeconds)) seconds")
        }
    }

    /// The cron expression, nil for `--schedule none`.
    var cron: String? { schedule.lowercased() == "none" ? nil : schedule }

    func run() throws {
        print(try AirflowDAG(binary: binary, workspace: workspace, databaseURL: database, schedule: cron, retries: retries,
                             retryDelaySeconds: retryDelay).render(), terminator: "")
    }
}

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert", abstract: "Send the failure alert of a run (Airflow's failure callback calls this).")
    @OptionGroup var options: WorkspaceOptions
    @Option(name: .customLong("run-id"), help: "The run id.") var runID: String

    func run() async throws {
        let store = try await options.openStore(mustExist: true)
        let summaries = TaskSummary.of(try await store.taskInstances(runID: runID))
        let order = try TrainingPipeline.graph().tasks.map(\.id)
        let failed = order.first { summaries[$0]?.state == .failed }
        let outcome = RunOutcome(state: .failed, taskStates: summaries.mapValues(\.state), tries: summaries.mapValues(\.tries),
                                 outputs: [:], failedTask: failed, error: failed.flatMap { summaries[$0]?.failures.last?.error })
        let alert = await Alerts.summary(runID: runID, outcome: outcome, store: store)
        await Alerts.send(alert, configuration: try options.loadConfiguration(), logger: options.makeLogger())
        print(String(decoding: alert.json, as: UTF8.self))
    }
}

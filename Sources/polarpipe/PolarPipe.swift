import ArgumentParser
import Foundation
import Logging

@main
struct PolarPipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polarpipe",
        abstract: "Turn Polar training data into a database with statistics, dashboards and reports.",
        discussion: """
            Drop Polar files into <workspace>/inbox/<user-key>/ and run `polarpipe run`. Each run executes the \
            training_data_pipeline DAG: validate, load users, exercises, heart-rate samples and GPS points, compute \
            statistics, write reports, archive the files.
            """,
        subcommands: [DemoCommand.self, RunCommand.self, TaskCommand.self, RunsCommand.self, DagCommand.self, GenerateCommand.self,
                      ReportCommand.self, StatsCommand.self, BenchCommand.self, AirflowDagCommand.self, AlertCommand.self,
                      ServeCommand.self, UsersCommand.self, TokensCommand.self, SyncCommand.self])
}

import ArgumentParser
import Foundation
import Logging

@main
struct PolarPipe: AsyncParsableCommand {
    /// The version `polarpipe --version` prints.
    static let version = "0.4.0"

    static let configuration = CommandConfiguration(
        commandName: "polarpipe",
        abstract: "Turn Polar training data into a database with statistics, dashboards and reports.",
        discussion: """
            Drop Polar files into <workspace>/inbox/<user-key>/ and run `polarpipe run`. Each run executes the \
            training_data_pipeline DAG: validate, load users, exercises, heart-rate samples and GPS points, compute \
            statistics, write reports, archive the files.
            """,
        version: "polarpipe \(version)",
        subcommands: [DemoCommand.self, RunCommand.self, TaskCommand.self, RunsCommand.self, DagCommand.self, GenerateCommand.self,
                      ReportCommand.self, StatsCommand.self, BenchCommand.self, AirflowDagCommand.self, AlertCommand.self,
                      ServeCommand.self, UsersCommand.self, TokensCommand.self, SyncCommand.self])

    /// ArgumentParser's entry point, except that a runtime failure is one line, `polarpipe: <sentence>`, with exit
    /// status 1 and no usage text. Bad flags (`ValidationError`, parse errors) keep ArgumentParser's message and usage.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch where isArgumentParserError(error) {
            exit(withError: error)  // `--help` and `help <command>`: ArgumentParser's help command throws its help request
        } catch {
            FileHandle.standardError.write(Data("polarpipe: \(CLIError(error).message)\n".utf8))
            exit(withError: ExitCode.failure)
        }
    }

    /// An error of ArgumentParser's own (its types are internal to it), which it prints and maps to a status itself.
    static func isArgumentParserError(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}

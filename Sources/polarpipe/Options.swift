import ArgumentParser
import Foundation
import Logging
import PolarPipeCore
import PolarPipePostgres
import PolarPipeSQLite

/// `--workspace`, `--database` and logging options shared by the commands that open a workspace.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: "Workspace folder (inbox, staging, quarantine, processed, reports, database).")
    var workspace: String = ProcessInfo.processInfo.environment["POLARPIPE_WORKSPACE"] ?? "./polarpipe-data"

    @Option(name: .long, help: "Database: a SQLite file path, sqlite:// or postgres:// URL. Default: <workspace>/polarpipe.sqlite.")
    var database: String?

    @Flag(name: .shortAndLong, help: "Log progress details to standard error.")
    var verbose = false

    var resolvedWorkspace: Workspace { Workspace(path: workspace) }

    /// `<workspace>/polarpipe.toml`, then `POLARPIPE_*` variables; the caller applies flags on top.
    func loadConfiguration() throws -> PipelineConfiguration {
        do {
            return try ConfigurationLoader.load(file: resolvedWorkspace.configurationFile,
                                                environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
    }

    @Option(name: .customLong("read-database"),
            help: "Database that read-only commands (stats, report, runs) query, e.g. a PostgreSQL read replica.")
    var readDatabase: String?

    /// The store of `--database` (then `database.url`, then the workspace's SQLite file).
    func openStore() async throws -> any PipelineStore & AccountStore {
        try await Self.open(url: database ?? loadConfiguration().databaseURL, workspace: resolvedWorkspace)
    }

    /// The store that read-only commands query: `--read-database` (then `database.read_url`), else `openStore()`.
    func openReadStore() async throws -> any PipelineStore & AccountStore {
        guard let url = try readDatabase ?? loadConfiguration().readDatabaseURL else { return try await openStore() }
        return try await Self.open(url: url, workspace: resolvedWorkspace)
    }

    static func open(url: String?, workspace: Workspace) async throws -> any PipelineStore & AccountStore {
        guard let url else { return try SQLiteStore(path: workspace.databaseFile.path) }
        if PostgresConnectionURL.isPostgres(url) {
            var logger = Logger(label: "polarpipe.postgres")
            logger.logLevel = .warning
            return try await PostgresStore(url: url, logger: logger)
        }
        let path = url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : url
        return try SQLiteStore(path: path)
    }

    static func quietLogger() -> Logger {
        LoggingBootstrap.once(level: .error)
        return Logger(label: "polarpipe")
    }

    func makeLogger() -> Logger {
        LoggingBootstrap.once(level: verbose ? .info : .warning)
        return Logger(label: "polarpipe")
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Exit codes of polarpipe.
enum ExitCodes {
    /// A task failed after its retries; the run failed.
    static let runFailed = ExitCode(1)
    /// Another run is active on this workspace.
    static let busy = ExitCode(75)
}

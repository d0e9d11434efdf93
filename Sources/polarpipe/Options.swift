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

    @Option(name: .long, help: "Database: a SQLite file path (its folder must exist), sqlite:PATH, or a postgres:// URL. Default: <workspace>/polarpipe.sqlite.")
    var database: String?

    @Flag(name: .shortAndLong, help: "Log progress details to standard error.")
    var verbose = false

    var resolvedWorkspace: Workspace { Workspace(path: workspace) }

    /// `<workspace>/polarpipe.toml`, then `POLARPIPE_*` variables; the caller applies flags on top.
    func loadConfiguration() throws -> PipelineConfiguration {
        do {
            return try ConfigurationLoader.load(file: resolvedWorkspace.configurationFile,
                                                environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError(error)
        }
    }

    @Option(name: .customLong("read-database"),
            help: "Database that read-only commands (stats, report, runs) query, e.g. a PostgreSQL read replica.")
    var readDatabase: String?

    /// The store of `--database` (then `database.url`, then the workspace's SQLite file), for a command that writes.
    /// `mustExist`: a command with nothing to do in a new workspace (`stats rebuild`) creates no database.
    func openStore(mustExist: Bool = false) async throws -> any PipelineStore & AccountStore {
        let location = try DatabaseLocation(database ?? loadConfiguration().databaseURL, workspace: resolvedWorkspace)
        if mustExist { try requireExisting(location) }
        try Self.requireWritable(location, workspace: resolvedWorkspace)
        return try await Self.open(location)
    }

    /// The store that read-only commands query: `--read-database` (then `database.read_url`), else the store of
    /// `openStore()`. It must exist: a read creates no workspace and no database.
    func openReadStore() async throws -> any PipelineStore & AccountStore {
        let config = try loadConfiguration()
        let ws = resolvedWorkspace
        let location = try DatabaseLocation(readDatabase ?? config.readDatabaseURL ?? database ?? config.databaseURL, workspace: ws)
        try requireExisting(location)
        return try await Self.open(location)
    }

    /// A SQLite database (and for the workspace's file, the workspace) must exist before a command that only reads it.
    func requireExisting(_ location: DatabaseLocation) throws(CLIError) {
        let ws = resolvedWorkspace
        switch location {
        case .workspaceFile(let path):
            guard FileManager.default.fileExists(atPath: ws.root.path) else { throw CLIError.noWorkspace(ws) }
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError.noDatabase(ws) }
        case .sqliteFile(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no database at \(path); check --database") }
        case .postgres:
            break
        }
    }

    /// The workspace for a command that writes into it: created with its inbox when new; refused when read-only.
    func createWorkspace() throws -> Workspace {
        let ws = resolvedWorkspace
        _ = try DatabaseLocation(database ?? loadConfiguration().databaseURL, workspace: ws)  // a bad URL creates nothing
        if FileManager.default.fileExists(atPath: ws.root.path) {
            let files = [ws.root, ws.inbox, ws.databaseFile].map(\.path).filter { FileManager.default.fileExists(atPath: $0) }
            guard files.allSatisfy({ access($0, W_OK) == 0 }) else { throw CLIError.readOnly(ws) }
        }
        do {
            try ws.create()
        } catch {
            var parent = ws.root.deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: parent.path), parent.path != "/" { parent.deleteLastPathComponent() }
            let reason = access(parent.path, W_OK) == 0 ? CLIError(error).message : "\(parent.path) is read-only"
            throw CLIError("cannot create the workspace \(ws.root.path): \(reason)")
        }
        return ws
    }

    /// A SQLite file (and its folder, which holds the journal) must be writable for a command that writes.
    static func requireWritable(_ location: DatabaseLocation, workspace: Workspace) throws(CLIError) {
        guard let path = location.sqlitePath else { return }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let existing = [folder, path].filter { FileManager.default.fileExists(atPath: $0) }
        guard existing.allSatisfy({ access($0, W_OK) == 0 }) else {
            if case .workspaceFile = location { throw CLIError.readOnly(workspace) }
            throw CLIError("the database \(path) is read-only; make it and its folder writable")
        }
    }

    /// Opens `url` (a `--database` value, nil for the workspace's file) for a command that writes.
    static func open(url: String?, workspace: Workspace) async throws -> any PipelineStore & AccountStore {
        let location = try DatabaseLocation(url, workspace: workspace)
        try requireWritable(location, workspace: workspace)
        return try await open(location)
    }

    static func open(_ location: DatabaseLocation) async throws -> any PipelineStore & AccountStore {
        switch location {
        case .postgres(let url):
            var logger = Logger(label: "polarpipe.postgres")
            logger.logLevel = .warning
            return try await PostgresStore(url: url, logger: logger)
        case .workspaceFile(let path), .sqliteFile(let path):
            return try SQLiteStore(path: path)
        }
    }

    static func quietLogger() -> Logger {
        LoggingBootstrap.once(level: .error)
        return Logger(label: "polarpipe")
    }

    /// The logger of a command: notices and more with `--verbose`, errors only with `quiet`, else warnings.
    func makeLogger(quiet: Bool = false) -> Logger {
        LoggingBootstrap.once(level: verbose ? .info : quiet ? .error : .warning)
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

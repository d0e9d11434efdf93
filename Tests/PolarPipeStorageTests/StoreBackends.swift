import Foundation
import Logging
import PolarPipeCore
import PolarPipePostgres
import PolarPipeSQLite
import PolarPipeTestSupport
import Testing

/// The two stores the contract tests run against. PostgreSQL needs `POSTGRES_URL` (a server URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`; each test creates and drops its own database). `.ci/run` starts a
/// throwaway server and sets it; under CI (`CI` set) the PostgreSQL cases always run, so a missing server fails them.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresServer = ProcessInfo.processInfo.environment["POSTGRES_URL"]

    static var available: [Backend] {
        postgresServer != nil || ProcessInfo.processInfo.environment["CI"] != nil ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A store of one backend in a temporary workspace, with what it takes to remove both.
struct OpenedStore: Sendable {
    let backend: Backend
    let store: any PipelineStore
    let tmp: TemporaryWorkspace
    /// `--database` for a polarpipe process on the same database.
    let databaseArgument: String
    private let postgresDatabase: String?

    static func open(_ backend: Backend, _ name: String = "storage") async throws -> OpenedStore {
        let tmp = try TemporaryWorkspace(name)
        switch backend {
        case .sqlite:
            let path = tmp.workspace.databaseFile.path
            return OpenedStore(backend: backend, store: try SQLiteStore(path: path), tmp: tmp, databaseArgument: path,
                               postgresDatabase: nil)
        case .postgres:
            let server = try #require(Backend.postgresServer, "POSTGRES_URL is not set: PostgreSQL tests need a server (.ci/run starts one)")
            let database = "pp_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            let url = try await PostgresAdmin.createDatabase(database, serverURL: server)
            let store = try await PostgresStore(url: url, logger: TemporaryWorkspace.quietLogger)
            return OpenedStore(backend: backend, store: store, tmp: tmp, databaseArgument: url, postgresDatabase: database)
        }
    }

    /// Another store on the same database (a second process or machine would open one).
    func reopen() async throws -> any PipelineStore {
        switch backend {
        case .sqlite: try SQLiteStore(path: databaseArgument)
        case .postgres: try await PostgresStore(url: databaseArgument, logger: TemporaryWorkspace.quietLogger)
        }
    }

    func close() async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
        if let postgresDatabase, let server = Backend.postgresServer {
            try? await PostgresAdmin.dropDatabase(postgresDatabase, serverURL: server)
        }
        tmp.remove()
    }

    func runner(retries: Int = 0, configure: (inout PipelineConfiguration) -> Void = { _ in }) -> PipelineRunner {
        var config = PipelineConfiguration()
        config.retryPolicy = RetryPolicy(retries: retries, delaySeconds: 0.01)
        configure(&config)
        return PipelineRunner(workspace: tmp.workspace, store: store, configuration: config, logger: TemporaryWorkspace.quietLogger)
    }
}

/// Runs `body` with a fresh store of `backend`, removed afterwards whatever happens.
func withStore(_ backend: Backend, _ name: String = "storage", _ body: (OpenedStore) async throws -> Void) async throws {
    let opened = try await OpenedStore.open(backend, name)
    do {
        try await body(opened)
    } catch {
        await opened.close()
        throw error
    }
    await opened.close()
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PolarPipeCore
import PolarPipeService
import PolarPipeSQLite
import PolarPipeTestSupport
import ServiceLifecycle
import Testing

/// A workspace with a SQLite store, users alice and bob with tokens, and an admin token (of user root).
struct ServiceFixture {
    let tmp: TemporaryWorkspace
    let store: SQLiteStore
    let environment: ServiceEnvironment
    let alice: String
    let bob: String
    let admin: String

    init(_ configure: (inout PipelineConfiguration) -> Void = { _ in }) async throws {
        tmp = try TemporaryWorkspace("polarpipe-service")
        store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        var configuration = PipelineConfiguration()
        configuration.retryPolicy = RetryPolicy(retries: 0, delaySeconds: 0)
        configuration.scheduleCron = TemporaryWorkspace.scheduleThatCannotFireDuringATest
        configure(&configuration)
        environment = ServiceEnvironment(workspace: tmp.workspace, store: store, configuration: configuration,
                                         logger: TemporaryWorkspace.quietLogger)
        for key in ["alice", "bob", "root"] {
            _ = try await store.upsertUser(key: key, physical: nil, polarUserID: nil, now: Clock.nowMillis())
        }
        alice = try await Tokens.create(userKey: "alice", admin: false, store: store)
        bob = try await Tokens.create(userKey: "bob", admin: false, store: store)
        admin = try await Tokens.create(userKey: "root", admin: true, store: store)
    }

    func remove() { tmp.remove() }

    var app: some ApplicationProtocol { Application(router: ServiceApplication.router(environment)) }

    /// One DAG run over the inbox.
    func runPipeline() async throws -> PipelineRunner.Result {
        try await PipelineRunner(workspace: tmp.workspace, store: store, configuration: environment.configuration,
                                 logger: TemporaryWorkspace.quietLogger).run()
    }

    /// Files in a user's inbox (relative to the inbox folder of the user).
    func inbox(_ user: String) -> [String] {
        let folder = tmp.workspace.inbox.appendingPathComponent(user)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
}

func jsonArray(_ buffer: ByteBuffer) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [[String: Any]] ?? []
}

/// Runs services in one `ServiceGroup` while `body` runs with the port the server among them reported through
/// `onRunning` (0 without `waitForPort`), then shuts them down gracefully (also when `body` throws).
func withServices(waitForPort: Bool = true, _ make: (@escaping @Sendable (Int) async -> Void) throws -> [any Service],
                  _ body: @escaping @Sendable (Int, ServiceGroup) async throws -> Void) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let group = ServiceGroup(configuration: .init(services: try make { continuation.yield($0) }, logger: TemporaryWorkspace.quietLogger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = waitForPort ? try #require(await iterator.next()) : 0
        do {
            try await body(port, group)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Runs the real `polarpipe` executable to its end; its output is standard output and error together.
func runPolarPipe(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let result = try PolarPipeExecutable.run(arguments, environment: environment)
    return (result.status, result.output)
}

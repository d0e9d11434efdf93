import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PolarPipeCore
import PolarPipeService
import PolarPipeSQLite
import PolarPipeTestSupport

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

import Foundation
import Hummingbird
import HummingbirdTesting
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct ContractTests {
    /// `/openapi.json` documents exactly the routes the router serves, each with its methods.
    @Test func theOpenAPIDocumentListsEveryRouteAndMethod() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let router = ServiceApplication.router(f.environment)
        try router.validate()
        var served: Set<String> = []
        for route in router.routes { served.insert("\(route.method.rawValue.lowercased()) \(route.path.description)") }
        let url = try await Self.openAPIFromServer(f)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, methods) in paths { for method in methods.keys { documented.insert("\(method) \(path)") } }
        // The router knows `/index.html` as a second name of `/`; the document lists `/` only.
        #expect(served.subtracting(["get /index.html"]) == documented)
    }

    /// Writes the document the server answers to a file.
    static func openAPIFromServer(_ f: ServiceFixture) async throws -> URL {
        let url = f.tmp.workspace.root.appendingPathComponent("openapi.json")
        try await f.app.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            try Data(response.body.readableBytesView).write(to: url)
        }
        return url
    }

    /// `/healthz` answers 503 when the database cannot be queried (here: its file was overwritten with garbage).
    @Test func healthIs503WhenTheDatabaseIsBroken() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try await f.app.test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            for name in ["polarpipe.sqlite", "polarpipe.sqlite-wal", "polarpipe.sqlite-shm"] {
                let url = f.tmp.workspace.root.appendingPathComponent(name)
                guard let handle = try? FileHandle(forWritingTo: url) else { continue }
                try handle.truncate(atOffset: 0)
                try handle.write(contentsOf: Data(repeating: 0x5A, count: 8192))
                try handle.close()
            }
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(json(response.body)["database"] as? String == "unreachable")
        }
    }

    /// The service's settings, from the file and the environment, with bad values refused.
    @Test func serviceSettingsLoadAndBadValuesAreRefused() throws {
        let c = try ConfigurationLoader.load(file: nil, environment: [
            "POLARPIPE_SERVICE_MAX_UPLOAD_BYTES": "1000", "POLARPIPE_ACCESSLINK_BASE_URL": "http://127.0.0.1:9/",
            "POLARPIPE_ACCESSLINK_FLOW": "transactions", "POLARPIPE_ACCESSLINK_SYNC_CRON": "",
        ])
        #expect(c.maxUploadBytes == 1000 && c.accessLinkBaseURL == "http://127.0.0.1:9" && c.accessLinkFlow == "transactions")
        #expect(c.accessLinkSyncCron.isEmpty)
        let defaults = PipelineConfiguration()
        #expect(defaults.maxUploadBytes == 256 << 20 && defaults.accessLinkFlow == "exercises" && defaults.accessLinkSyncCron == "15 * * * *")
        for (key, value) in [("POLARPIPE_SERVICE_MAX_UPLOAD_BYTES", "-1"), ("POLARPIPE_ACCESSLINK_FLOW", "webhooks"),
                             ("POLARPIPE_ACCESSLINK_BASE_URL", "ftp://x"), ("POLARPIPE_ACCESSLINK_SYNC_CRON", "every hour")] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") { try ConfigurationLoader.load(file: nil, environment: [key: value]) }
        }
    }

    /// The real executable end to end: `users link-accesslink`, then `sync accesslink` against the fake AccessLink
    /// server named by `POLARPIPE_ACCESSLINK_BASE_URL`.
    @Test func syncAccessLinkCommandWritesIntoTheInbox() async throws {
        let tmp = try TemporaryWorkspace("polarpipe-sync")
        defer { tmp.remove() }
        let fake = FakeAccessLink()
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        let tokenFile = tmp.workspace.root.appendingPathComponent("token.txt")
        try Data("polar-access-token\n".utf8).write(to: tokenFile)
        let ws = ["--workspace", tmp.workspace.root.path]
        try await fake.serve { base in
            #expect(try Self.run(["users", "add", "alice"] + ws, base: base).status == 0)
            let linkArguments = ["users", "link-accesslink", "alice", "--polar-user-id", "475", "--access-token-file", tokenFile.path] + ws
            // Without a key the token is not stored (never in plaintext), and the message says how to set one.
            let refused = try Self.run(linkArguments, base: base, key: nil)
            #expect(refused.status != 0 && refused.output.contains("set POLARPIPE_ACCESSLINK_TOKEN_KEY to 32 random bytes in base64"), "\(refused.output)")
            let link = try Self.run(linkArguments, base: base)
            #expect(link.status == 0, "\(link.output)")
            let sync = try Self.run(["sync", "accesslink"] + ws, base: base)
            #expect(sync.status == 0, "\(sync.output)")
            #expect(sync.output.contains("user 1 of 1 (alice): 1 written, 0 already had"))
            #expect(sync.output.contains("1 users: 1 exercises written"))
            // The same database with another key: a sentence, not a crash.
            let wrong = try Self.run(["sync", "accesslink"] + ws, base: base, key: Data(count: 32).base64EncodedString())
            #expect(wrong.status == 1 && wrong.output.contains("error: alice: the AccessLink token of alice was stored with another key"), "\(wrong.output)")
        }
        let inbox = try FileManager.default.contentsOfDirectory(atPath: tmp.workspace.inbox.appendingPathComponent("alice").path)
        #expect(inbox.count == 1 && inbox[0].hasPrefix("accesslink-"))
    }

    static let tokenKey = Data((0 ..< 32).map { UInt8($0 * 7 + 1) }).base64EncodedString()

    static func run(_ arguments: [String], base: String, key: String? = tokenKey) throws -> (status: Int32, output: String) {
        var environment = ["POLARPIPE_ACCESSLINK_BASE_URL": base]
        environment["POLARPIPE_ACCESSLINK_TOKEN_KEY"] = key
        return try runPolarPipe(arguments, environment: environment)
    }
}

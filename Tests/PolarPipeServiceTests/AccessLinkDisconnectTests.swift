import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

/// "Disconnect Polar account" end to end: the real Hummingbird app (page button and API) and the real executable
/// (`users unlink-accesslink`) against the fake AccessLink server (`FakeAccessLink`) on loopback.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccessLinkDisconnectTests {
    typealias Connect = AccessLinkConnectTests
    static let cacheHeader = HTTPField.Name("x-polarpipe-cache")!

    /// Alice's account as "Connect Polar account" stores it: Polar user 475, the fake's token, encrypted.
    static func link(_ f: ServiceFixture, cipher: AccessLinkTokenCipher? = nil) async throws {
        let accounts = try cipher.map { AccessLinkAccounts(store: f.store, cipher: $0) }
            ?? AccessLinkAccounts(store: f.store, configuration: f.environment.configuration)
        try await accounts.save(userKey: "alice", polarUserID: 475, accessToken: "polar-access-token", now: Clock.nowMillis())
    }

    /// Basic credentials of `token` and, when given, an `Origin` and a `Referer`.
    static func browser(_ token: String, origin: String? = nil, referer: String? = nil) -> HTTPFields {
        var headers = Connect.basic(token)
        if let origin { headers[.origin] = origin }
        if let referer { headers[.referer] = referer }
        return headers
    }

    static func deletes(_ fake: FakeAccessLink) async -> [String?] {
        await fake.received.filter { $0.request == "DELETE /v3/users/475" }.map(\.authorization)
    }

    @Test func aConnectedAthleteDisconnectsFromTheirPageAndIsNotSyncedAgain() async throws {
        let fake = FakeAccessLink()
        await fake.issue(code: "code-1")
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        try await fake.serve { base in
            let f = try await Connect.fixture(base)
            defer { f.remove() }
            // Alice connects as an athlete does; the sync fetches her session and a run loads it.
            try await f.app.test(.router) { client in
                let state = try await Connect.start(client, f)
                let callback = try await client.execute(uri: "/accesslink/callback?state=\(state)&code=code-1", method: .get,
                                                        headers: Connect.basic(f.alice))
                #expect(callback.status == .ok)
            }
            let first = await AccessLinkSync(environment: f.environment).syncAll()
            #expect(first.errors.isEmpty && first.written == 1, "\(first.errors)")
            #expect(try await f.runPipeline().outcome.state == .success)
            let alice = try #require(try await f.store.user(key: "alice"))
            #expect(try await f.store.recentExercises(userID: alice.id, limit: 10).count == 1)
            // Connections started and not finished: one of alice's, one of bob's.
            let connection = AccessLinkConnection(environment: f.environment)
            let aliceState = try #require(Connect.query(try await connection.start(userKey: "alice"))["state"])
            let bobState = try #require(Connect.query(try await connection.start(userKey: "bob"))["state"])

            try await f.app.test(.router) { client in
                func page() async throws -> (cache: String?, html: String) {
                    let r = try await client.execute(uri: "/users/alice.html", method: .get, headers: Connect.basic(f.alice))
                    #expect(r.status == .ok)
                    return (r.headers[Self.cacheHeader], Connect.text(r.body))
                }
                // Her page says she is connected and has the button; the second time the page comes from the cache.
                _ = try await page()
                let connected = try await page()
                #expect(connected.cache == "hit")
                #expect(connected.html.contains("Connected (Polar user 475)"))
                #expect(connected.html.contains("<form method=\"post\" action=\"/accesslink/disconnect\"><p><button type=\"submit\">Disconnect</button>"))

                let r = try await client.execute(uri: "/accesslink/disconnect", method: .post,
                                                 headers: Self.browser(f.alice, origin: "http://localhost"))
                #expect(r.status == .ok)
                let said = Connect.text(r.body)
                #expect(said.contains("Polar account disconnected") && said.contains("(Polar user 475) is disconnected from alice"))
                #expect(said.contains("Sessions already loaded stay.") && said.contains("Polar removed polarpipe&#39;s access too."))

                // The page, still from the cache (the report did not change), now offers connecting instead.
                let after = try await page()
                #expect(after.cache == "hit")
                #expect(!after.html.contains("Connected (Polar user") && !after.html.contains("/accesslink/disconnect"))
                #expect(after.html.contains("<a href=\"/accesslink/connect\">Connect Polar account</a>"))

                // Alice's unfinished connection is gone with the account; bob's is not (it gets to the token exchange).
                let late = try await client.execute(uri: "/accesslink/callback?state=\(aliceState)&code=code-1", method: .get,
                                                    headers: Connect.basic(f.alice))
                #expect(late.status == .badRequest && Connect.text(late.body).contains("not valid any more"))
                let bobs = try await client.execute(uri: "/accesslink/callback?state=\(bobState)&code=made-up", method: .get,
                                                    headers: Connect.basic(f.bob))
                #expect(bobs.status == .badGateway && Connect.text(bobs.body).contains("refused the authorization"))
            }
            // Polar was told once, for Polar user 475, with alice's token.
            #expect(await Self.deletes(fake) == ["Bearer polar-access-token"])
            #expect(try await f.store.accessLinkAccount(userKey: "alice") == nil)
            #expect(try await f.store.accessLinkAccounts().isEmpty)

            // The next sync fetches nothing for her; what was loaded stays.
            let listed = await fake.count("GET /v3/exercises")
            let second = await AccessLinkSync(environment: f.environment).syncAll()
            #expect(second.users == 0 && second.written == 0 && second.errors.isEmpty)
            #expect(await fake.count("GET /v3/exercises") == listed)
            #expect(try await f.store.recentExercises(userID: alice.id, limit: 10).count == 1)
        }
    }

    @Test func theAPIDisconnectsWhenPolarNoLongerKnowsTheUserAnd404sWhenNothingIsConnected() async throws {
        let fake = FakeAccessLink()
        await fake.fail("DELETE /v3/users/475", [(404, nil)])
        try await fake.serve { base in
            let f = try await Connect.fixture(base)
            defer { f.remove() }
            try await Self.link(f)
            try await f.app.test(.router) { client in
                #expect(try await client.execute(uri: "/api/v1/accesslink", method: .delete).status == .unauthorized)
                let r = try await client.execute(uri: "/api/v1/accesslink", method: .delete, headers: bearer(f.alice))
                #expect(r.status == .ok)
                let body = json(r.body)
                #expect(body["user_key"] as? String == "alice" && body["polar_user_id"] as? Int == 475)
                #expect(body["disconnected"] as? Bool == true && body["polar"] as? String == "already-gone")
                #expect((body["message"] as? String)?.contains("Polar had already removed polarpipe's access (HTTP 404)") == true)
                #expect(try await f.store.accessLinkAccount(userKey: "alice") == nil)

                // Nothing connected: 404, and Polar is not asked again.
                let again = try await client.execute(uri: "/api/v1/accesslink", method: .delete, headers: bearer(f.alice))
                #expect(again.status == .notFound && json(again.body)["error"] as? String == "not-connected")
                let page = try await client.execute(uri: "/accesslink/disconnect", method: .post,
                                                    headers: Self.browser(f.bob, origin: "http://localhost"))
                #expect(page.status == .notFound && Connect.text(page.body).contains("No Polar account is connected to bob"))
            }
            #expect(await Self.deletes(fake).count == 1)
        }
    }

    /// Polar failing, unreachable, or a token this server cannot open: the account is removed here all the same, and
    /// the answer says Polar was not told.
    @Test func whenPolarCannotBeToldTheAccountIsRemovedAnywayAndTheAnswerSaysSo() async throws {
        let fake = FakeAccessLink()
        await fake.fail("DELETE /v3/users/475", [(503, nil), (503, nil)])
        try await fake.serve { base in
            let f = try await Connect.fixture(base)
            defer { f.remove() }
            func disconnect() async throws -> [String: Any] {
                let answer = try await f.app.test(.router) { client in
                    try await client.execute(uri: "/api/v1/accesslink", method: .delete, headers: bearer(f.alice))
                }
                #expect(answer.status == .ok)
                #expect(try await f.store.accessLinkAccount(userKey: "alice") == nil)
                return json(answer.body)
            }
            // 503, and 503 again on the one retry.
            try await Self.link(f)
            let failing = try await disconnect()
            #expect(failing["polar"] as? String == "not-reached" && failing["disconnected"] as? Bool == true)
            #expect((failing["message"] as? String)?.contains("Polar could not be told (AccessLink answered 503 for /v3/users/475 after retries)") == true)
            #expect(await Self.deletes(fake).count == 2)

            // Stored with another key than the server's: Polar cannot be told, the account goes anyway.
            try await Self.link(f, cipher: try AccessLinkTokenCipher(base64Key: Connect.randomKey()))
            let unopened = try await disconnect()
            #expect(unopened["polar"] as? String == "not-reached")
            #expect((unopened["message"] as? String)?.contains("the stored access token could not be opened") == true)
            #expect(await Self.deletes(fake).count == 2)
        }

        // Nothing listens at AccessLink's address.
        let down = try await Connect.fixture("http://127.0.0.1:9")
        defer { down.remove() }
        try await Self.link(down)
        let started = Date()
        try await down.app.test(.router) { client in
            let r = try await client.execute(uri: "/api/v1/accesslink", method: .delete, headers: bearer(down.alice))
            #expect(r.status == .ok && json(r.body)["polar"] as? String == "not-reached")
            #expect((json(r.body)["message"] as? String)?.contains("AccessLink could not be reached for /v3/users/475") == true)
        }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try await down.store.accessLinkAccounts().isEmpty)
    }

    /// Over a real connection (`.live`), so the service's own address is the `Host` header the client sent.
    @Test func aCrossSiteDisconnectIsRefusedAndChangesNothing() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let f = try await Connect.fixture(base)
            defer { f.remove() }
            try await Self.link(f)
            try await f.app.test(.live) { client in
                func post(_ headers: HTTPFields) async throws -> (HTTPResponse.Status, String) {
                    let r = try await client.execute(uri: "/accesslink/disconnect", method: .post, headers: headers)
                    return (r.status, Connect.text(r.body))
                }
                // Another site's form (the browser adds alice's Basic credentials by itself), or one naming no origin.
                for headers in [Self.browser(f.alice, origin: "https://evil.example"), Self.browser(f.alice),
                                Self.browser(f.alice, origin: "null", referer: "https://evil.example/win-a-prize.html"),
                                Self.browser(f.alice, origin: "http://localhost.evil.example"),
                                Self.browser(f.alice, referer: "http://evil.example/?localhost")] {
                    let (status, text) = try await post(headers)
                    #expect(status == .forbidden, "\(headers)")
                    #expect(text.contains("did not come from a page of this server"))
                }
                #expect(try await f.store.accessLinkAccount(userKey: "alice")?.polarUserID == 475)
                #expect(await Self.deletes(fake).isEmpty)

                // A page of this server: by its Referer (a browser sending no Origin) ...
                #expect(try await post(Self.browser(f.alice, referer: "http://localhost/users/alice.html")).0 == .ok)
                // ... or by the public address of `accesslink.redirect_url` (behind a proxy that passes another Host).
                try await Self.link(f)
                #expect(try await post(Self.browser(f.alice, origin: "http://127.0.0.1:8080")).0 == .ok)
            }
            #expect(await Self.deletes(fake).count == 2)
        }
    }

    /// A command of the real executable, waited for on a thread of its own: the fake answers it from Swift's
    /// cooperative pool, which a blocking wait there would hold (with other suites running, the whole pool).
    static func command(_ arguments: [String], base: String) async throws -> (status: Int32, output: String) {
        try await OwnThread.run { Result { try ContractTests.run(arguments, base: base) } }.get()
    }

    /// The real executable: `users unlink-accesslink USER`.
    @Test func unlinkAccessLinkCommandDisconnectsAUser() async throws {
        let tmp = try TemporaryWorkspace("polarpipe-unlink")
        defer { tmp.remove() }
        let fake = FakeAccessLink()
        let tokenFile = tmp.workspace.root.appendingPathComponent("token.txt")
        try Data("polar-access-token\n".utf8).write(to: tokenFile)
        let ws = ["--workspace", tmp.workspace.root.path]
        try await fake.serve { base in
            #expect(try await Self.command(["users", "add", "alice"] + ws, base: base).status == 0)
            let link = try await Self.command(["users", "link-accesslink", "alice", "--polar-user-id", "475", "--access-token-file", tokenFile.path] + ws,
                                             base: base)
            #expect(link.status == 0, "\(link.output)")
            let unlink = try await Self.command(["users", "unlink-accesslink", "alice"] + ws, base: base)
            #expect(unlink.status == 0, "\(unlink.output)")
            #expect(unlink.output.contains("(Polar user 475) is disconnected from alice") && unlink.output.contains("Polar removed polarpipe's access too"))
            #expect(await Self.deletes(fake) == ["Bearer polar-access-token"])

            let again = try await Self.command(["users", "unlink-accesslink", "alice"] + ws, base: base)
            #expect(again.status == 1 && again.output.contains("user alice has no AccessLink account: nothing to disconnect"), "\(again.output)")
            let nobody = try await Self.command(["users", "unlink-accesslink", "carol"] + ws, base: base)
            #expect(nobody.status == 1 && nobody.output.contains("no user carol"), "\(nobody.output)")
            let sync = try await Self.command(["sync", "accesslink"] + ws, base: base)
            #expect(sync.status == 0 && sync.output.contains("0 users: 0 exercises written"), "\(sync.output)")
        }
    }
}

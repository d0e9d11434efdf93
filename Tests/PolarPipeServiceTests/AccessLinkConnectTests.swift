import Foundation
import Hummingbird
import HummingbirdTesting
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

/// "Connect Polar account" end to end: the real Hummingbird app against the fake Polar OAuth2 and AccessLink server
/// (`FakeAccessLink`) on loopback, then the next sync with the stored (encrypted) token.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccessLinkConnectTests {
    static let redirect = "http://127.0.0.1:8080/accesslink/callback"

    static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0 ..< 32).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }).base64EncodedString()
    }

    /// A service whose AccessLink client, token service and API are the fake's, with a token key unless `key` is nil.
    static func fixture(_ base: String, key: String? = randomKey(), tokenURL: String? = nil) async throws -> ServiceFixture {
        try await ServiceFixture {
            $0.accessLinkBaseURL = base
            $0.accessLinkClientID = FakeAccessLink.clientID
            $0.accessLinkClientSecret = SecretText(FakeAccessLink.clientSecret)
            $0.accessLinkAuthorizationURL = base + "/oauth2/authorization"
            $0.accessLinkTokenURL = tokenURL ?? base + "/v2/oauth2/token"
            $0.accessLinkRedirectURL = redirect
            $0.accessLinkTokenKey = key.map(SecretText.init)
        }
    }

    /// HTTP Basic as a browser sends it: any user name, the token as password.
    static func basic(_ token: String) -> HTTPFields {
        [.authorization: "Basic " + Data("athlete:\(token)".utf8).base64EncodedString()]
    }

    /// The query items of a URL.
    static func query(_ url: String) -> [String: String] {
        Dictionary((URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    /// `GET /accesslink/connect` as alice: the state of the authorization URL it redirects to.
    static func start(_ client: some TestClientProtocol, _ f: ServiceFixture) async throws -> String {
        let connect = try await client.execute(uri: "/accesslink/connect", method: .get, headers: basic(f.alice))
        #expect(connect.status == .seeOther)
        let location = try #require(connect.headers[.location])
        return try #require(query(location)["state"])
    }

    static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    @Test func connectingFromTheWebPageStoresAnEncryptedTokenAndTheNextSyncPullsWithIt() async throws {
        let fake = FakeAccessLink()
        await fake.issue(code: "code-from-polar-1")
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        try await fake.serve { base in
            let f = try await Self.fixture(base)
            defer { f.remove() }
            try await f.app.test(.live) { client in
                // Alice's page offers the connection.
                let page = try await client.execute(uri: "/users/alice.html", method: .get, headers: Self.basic(f.alice))
                #expect(page.status == .ok)
                #expect(Self.text(page.body).contains("<a href=\"/accesslink/connect\">Connect Polar account</a>"))

                // Connect: 303 to Polar's authorization page with the client id, the code flow, the callback and a state.
                let connect = try await client.execute(uri: "/accesslink/connect", method: .get, headers: Self.basic(f.alice))
                #expect(connect.status == .seeOther)
                let location = try #require(connect.headers[.location])
                #expect(location.hasPrefix(base + "/oauth2/authorization?"))
                let query = Self.query(location)
                #expect(query["response_type"] == "code" && query["client_id"] == FakeAccessLink.clientID && query["redirect_uri"] == Self.redirect)
                let state = try #require(query["state"])
                #expect(state.count == 64)
                let second = try await client.execute(uri: "/accesslink/connect", method: .get, headers: Self.basic(f.alice))
                #expect(Self.query(second.headers[.location] ?? "")["state"] != state)  // a new state each time

                // Polar sends the athlete back with a code. The browser is asked to sign in (and sends its credentials
                // again); the state is not used up by that.
                let unsigned = try await client.execute(uri: "/accesslink/callback?state=\(state)&code=code-from-polar-1", method: .get)
                #expect(unsigned.status == .unauthorized && unsigned.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                let callback = try await client.execute(uri: "/accesslink/callback?state=\(state)&code=code-from-polar-1", method: .get,
                                                        headers: Self.basic(f.alice))
                #expect(callback.status == .ok)
                let said = Self.text(callback.body)
                #expect(said.contains("Polar account connected") && said.contains("Polar user 475") && said.contains("connected to alice"))

                // The token exchange: HTTP Basic with the client's id and secret, the code and the same redirect URL.
                let exchange = try #require(await fake.tokenRequests.first)
                #expect(exchange.authorization == "Basic " + Data("polarpipe-client:s3cret-value".utf8).base64EncodedString())
                #expect(exchange.form == ["grant_type": "authorization_code", "code": "code-from-polar-1", "redirect_uri": Self.redirect])
                #expect(await fake.count("POST /v3/users") == 1)

                // Stored: Polar user 475, registered, the token encrypted (not in the database as text).
                let stored = try #require(try await f.store.accessLinkAccounts().first)
                #expect(stored.userKey == "alice" && stored.polarUserID == 475 && stored.registeredAt != nil)
                #expect(stored.accessToken.hasPrefix("pp-aesgcm-v1:") && !stored.accessToken.contains("polar-access-token"))

                // The same callback again (a replay) is refused and exchanges nothing.
                let replay = try await client.execute(uri: "/accesslink/callback?state=\(state)&code=code-from-polar-1", method: .get,
                                                      headers: Self.basic(f.alice))
                #expect(replay.status == .badRequest)
                #expect(Self.text(replay.body).contains("not valid any more"))
                #expect(await fake.tokenRequests.count == 1)
            }

            // The next sync pulls alice's exercise with the stored token; the run loads it.
            let report = await AccessLinkSync(environment: f.environment).syncAll()
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.users == 1 && report.written == 1)
            #expect(await fake.count("POST /v3/users") == 1)  // registered while connecting
            #expect(f.inbox("alice").count == 1)
            let result = try await f.runPipeline()
            #expect(result.outcome.state == .success)
            let alice = try #require(try await f.store.user(key: "alice"))
            #expect(try await f.store.recentExercises(userID: alice.id, limit: 10).count == 1)
        }
    }

    @Test func theAPIAnswersTheAuthorizationURLForAClientToOpen() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let f = try await Self.fixture(base)
            defer { f.remove() }
            try await f.app.test(.router) { client in
                let answer = try await client.execute(uri: "/api/v1/accesslink/authorization", method: .post, headers: bearer(f.alice))
                #expect(answer.status == .created)
                let body = json(answer.body)
                let url = try #require(body["authorization_url"] as? String)
                #expect(url.hasPrefix(base + "/oauth2/authorization?") && Self.query(url)["state"]?.count == 64)
                #expect(body["expires_in_seconds"] as? Int == 600)
                #expect(try await client.execute(uri: "/api/v1/accesslink/authorization", method: .post).status == .unauthorized)
            }
        }
    }

    /// Each way the callback can fail says so in a sentence and stores nothing.
    @Test func aDeclinedForgedExpiredOrRefusedConnectionStoresNothingAndSaysWhy() async throws {
        let fake = FakeAccessLink()
        await fake.issue(code: "good-code")
        try await fake.serve { base in
            let f = try await Self.fixture(base)
            defer { f.remove() }
            try await f.app.test(.router) { client in
                func callback(_ query: String, as token: String? = nil) async throws -> (HTTPResponse.Status, String) {
                    let r = try await client.execute(uri: "/accesslink/callback?" + query, method: .get, headers: Self.basic(token ?? f.alice))
                    return (r.status, Self.text(r.body))
                }
                // A link alice started, sent to bob, who allows at Polar: bob's Polar account is not attached to alice.
                let sent = try await callback("state=\(try await Self.start(client, f))&code=good-code", as: f.bob)
                #expect(sent.0 == .badRequest && sent.1.contains("started by another polarpipe user"))
                // The athlete declined at Polar.
                let declined = try await callback("state=\(try await Self.start(client, f))&error=access_denied")
                #expect(declined.0 == .badRequest && declined.1.contains("You did not allow polarpipe to read your Polar data"))
                // A state this server never made, and none at all.
                let forged = try await callback("state=\(String(repeating: "ab", count: 32))&code=good-code")
                #expect(forged.0 == .badRequest && forged.1.contains("not valid any more"))
                #expect(try await callback("code=good-code").0 == .badRequest)
                // A state older than 10 minutes.
                let old = try await AccessLinkConnection(environment: f.environment).start(userKey: "alice", now: Clock.nowMillis() - 11 * 60_000)
                let oldState = try #require(Self.query(old)["state"])
                let expired = try await callback("state=\(oldState)&code=good-code")
                #expect(expired.0 == .badRequest && expired.1.contains("expired after 10 minutes"))
                // A code Polar's token service does not know.
                let refused = try await callback("state=\(try await Self.start(client, f))&code=made-up")
                #expect(refused.0 == .badGateway && refused.1.contains("refused the authorization (HTTP 400)"))
                // The token service is down.
                await fake.failTokenRequests([503])
                let down = try await callback("state=\(try await Self.start(client, f))&code=good-code")
                #expect(down.0 == .badGateway && down.1.contains("could not be reached (HTTP 503)"))
                #expect(!down.1.contains("good-code") && !down.1.contains(FakeAccessLink.clientSecret))
            }
            #expect(try await f.store.accessLinkAccounts().isEmpty)
            #expect(await fake.count("POST /v3/users") == 0)
        }
    }

    @Test func aTokenServiceThatCannotBeReachedIsASentence() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let f = try await Self.fixture(base, tokenURL: "http://127.0.0.1:9/v2/oauth2/token")
            defer { f.remove() }
            try await f.app.test(.router) { client in
                let r = try await client.execute(uri: "/accesslink/callback?state=\(try await Self.start(client, f))&code=c", method: .get,
                                                 headers: Self.basic(f.alice))
                #expect(r.status == .badGateway)
                #expect(Self.text(r.body).contains("token service could not be reached (no answer from 127.0.0.1)"))
            }
        }
    }

    @Test func withoutATokenKeyOrAClientConnectingIsRefusedWithWhatToSet() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let noKey = try await Self.fixture(base, key: nil)
            defer { noKey.remove() }
            try await noKey.app.test(.router) { client in
                let r = try await client.execute(uri: "/accesslink/connect", method: .get, headers: Self.basic(noKey.alice))
                #expect(r.status == .serviceUnavailable)
                #expect(Self.text(r.body).contains("set POLARPIPE_ACCESSLINK_TOKEN_KEY to 32 random bytes in base64"))
                let api = try await client.execute(uri: "/api/v1/accesslink/authorization", method: .post, headers: bearer(noKey.alice))
                #expect(api.status == .serviceUnavailable && json(api.body)["error"] as? String == "accesslink-not-configured")
            }
            await #expect(throws: AccessLinkTokenError.noKey) {
                try await AccessLinkAccounts(store: noKey.store, configuration: noKey.environment.configuration)
                    .save(userKey: "alice", polarUserID: 475, accessToken: "t", now: 0)
            }

            let noClient = try await ServiceFixture { $0.accessLinkTokenKey = SecretText(Self.randomKey()) }
            defer { noClient.remove() }
            try await noClient.app.test(.router) { client in
                let page = try await client.execute(uri: "/users/alice.html", method: .get, headers: Self.basic(noClient.alice))
                #expect(page.status == .ok && !Self.text(page.body).contains("Connect Polar account"))
                let r = try await client.execute(uri: "/accesslink/connect", method: .get, headers: Self.basic(noClient.alice))
                #expect(r.status == .serviceUnavailable)
                #expect(Self.text(r.body).contains("accesslink.client_id and POLARPIPE_ACCESSLINK_CLIENT_SECRET"))
            }
        }
    }

    @Test func secretsComeOnlyFromTheEnvironmentAndAreNeverPrinted() throws {
        let key = Self.randomKey()
        let c = try ConfigurationLoader.load(file: nil, environment: [
            "POLARPIPE_ACCESSLINK_CLIENT_ID": "polarpipe-client", "POLARPIPE_ACCESSLINK_CLIENT_SECRET": "s3cret-value",
            "POLARPIPE_ACCESSLINK_TOKEN_KEY": key, "POLARPIPE_ACCESSLINK_REDIRECT_URL": Self.redirect,
        ])
        #expect(c.accessLinkClientID == "polarpipe-client" && c.accessLinkClientSecret?.value == "s3cret-value")
        #expect(c.accessLinkTokenKey?.value == key && c.accessLinkRedirectURL == Self.redirect)
        #expect(c.accessLinkAuthorizationURL == "https://flow.polar.com/oauth2/authorization")
        #expect(c.accessLinkTokenURL == "https://polarremote.com/v2/oauth2/token")
        var dumped = ""
        dump(c, to: &dumped)
        #expect(!"\(c)".contains("s3cret-value") && !"\(c)".contains(key) && !dumped.contains("s3cret-value") && !dumped.contains(key))

        let tmp = try TemporaryWorkspace("polarpipe-secret")
        defer { tmp.remove() }
        let file = tmp.workspace.root.appendingPathComponent("polarpipe.toml")
        try Data("[accesslink]\nclient_secret = \"s3cret-value\"\n".utf8).write(to: file)
        let inFile = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(inFile?.message == "accesslink.client_secret is a secret: set it in the environment "
                + "(POLARPIPE_ACCESSLINK_CLIENT_SECRET), not in polarpipe.toml")
        // A bad key is refused without repeating it.
        let badKey = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_ACCESSLINK_TOKEN_KEY": "c2hvcnQta2V5"])
        }
        #expect(badKey?.message == "bad value for accesslink.token_key (from environment POLARPIPE_ACCESSLINK_TOKEN_KEY): expected 32 bytes in base64")
    }
}

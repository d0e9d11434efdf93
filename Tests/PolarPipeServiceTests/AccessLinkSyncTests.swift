import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import ServiceLifecycle
import Testing

/// A fake Polar AccessLink v3 server, written from POLAR_FORMATS.md §2, on a loopback port. Its behaviour is
/// scripted per test: per path, a queue of statuses to answer before the real answer.
actor FakeAccessLink {
    var hits: [String] = []
    /// Path → statuses to answer first (e.g. [503, 503] then the normal answer).
    var failures: [String: [(status: Int, retryAfter: String?)]] = [:]
    var registered = false
    var committed: [Int64] = []
    var transactionOpen = false
    var exercisesList: Data = Data("[]".utf8)
    var exercisesByID: [String: Data] = [:]
    let userID: Int64 = 475
    let token = "polar-access-token"
    /// Path → headers added to its normal answers (`RateLimit-*`).
    var headers: [String: [(String, String)]] = [:]
    // The OAuth2 token endpoint (`POST /v2/oauth2/token`) of the API client `polarpipe-client` / `s3cret-value`.
    static let clientID = "polarpipe-client", clientSecret = "s3cret-value"
    /// Authorization codes Polar handed out and not yet exchanged.
    var codes: Set<String> = []
    /// The token requests: their Authorization header and form fields.
    var tokenRequests: [(authorization: String?, form: [String: String])] = []
    /// Statuses the token endpoint answers first (e.g. [503]).
    var tokenFailures: [Int] = []
    /// Every request as `METHOD path` with its Authorization header.
    var received: [(request: String, authorization: String?)] = []
    /// Set by `DELETE /v3/users/475` (de-registration): the token is revoked, later calls with it get 401.
    var revoked = false

    func fail(_ path: String, _ statuses: [(Int, String?)]) { failures[path] = statuses.map { (status: $0.0, retryAfter: $0.1) } }
    func setList(_ data: Data) { exercisesList = data }
    func setExercise(_ id: String, _ data: Data) { exercisesByID[id] = data }
    func openTransaction() { transactionOpen = true }
    func addHeaders(_ path: String, _ list: [(String, String)]) { headers[path] = list }
    func issue(code: String) { codes.insert(code) }
    func failTokenRequests(_ statuses: [Int]) { tokenFailures = statuses }

    /// The token endpoint: HTTP Basic with the client's id and secret, `grant_type=authorization_code`, a code it
    /// issued (single use) → the access token and `x_user_id`.
    func tokenAnswer(authorization: String?, body: Data) -> (Int, Data, [(String, String)]) {
        var form: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        tokenRequests.append((authorization, form))
        if !tokenFailures.isEmpty { return (tokenFailures.removeFirst(), Data(), []) }
        let basic = "Basic " + Data("\(Self.clientID):\(Self.clientSecret)".utf8).base64EncodedString()
        guard authorization == basic else { return (401, Data("{\"error\": \"invalid_client\"}".utf8), []) }
        guard form["grant_type"] == "authorization_code", let code = form["code"], codes.remove(code) != nil else {
            return (400, Data("{\"error\": \"invalid_grant\"}".utf8), [])
        }
        return (200, Data("{\"access_token\": \"\(token)\", \"token_type\": \"bearer\", \"expires_in\": 31535999, \"x_user_id\": \(userID)}".utf8), [])
    }

    func count(_ prefix: String) -> Int { hits.filter { $0.hasPrefix(prefix) }.count }

    /// Answers one request: status, body, extra headers.
    func answer(method: String, path: String, authorization: String?, body: Data = Data()) -> (Int, Data, [(String, String)]) {
        hits.append("\(method) \(path)")
        received.append(("\(method) \(path)", authorization))
        if method == "POST", path == "/v2/oauth2/token" { return tokenAnswer(authorization: authorization, body: body) }
        let (status, data, extra) = accessLinkAnswer(method: method, path: path, authorization: authorization)
        return (status, data, extra + (headers["\(method) \(path)"] ?? []))
    }

    func accessLinkAnswer(method: String, path: String, authorization: String?) -> (Int, Data, [(String, String)]) {
        guard authorization == "Bearer \(token)", !revoked else { return (401, Data(), []) }
        if var queue = failures["\(method) \(path)"], !queue.isEmpty {
            let next = queue.removeFirst()
            failures["\(method) \(path)"] = queue
            return (next.status, Data("{}".utf8), next.retryAfter.map { [("Retry-After", $0)] } ?? [])
        }
        let base = "/v3/users/\(userID)/exercise-transactions"
        switch (method, path) {
        case ("POST", "/v3/users"):
            defer { registered = true }
            return (registered ? 409 : 200, Data("{\"polar-user-id\": \(userID), \"member-id\": \"alice\"}".utf8), [])
        case ("GET", "/v3/exercises"):
            return (200, exercisesList, [])
        case ("DELETE", "/v3/users/\(userID)"):
            registered = false
            revoked = true
            return (204, Data(), [])
        case ("POST", base):
            guard transactionOpen else { return (204, Data(), []) }
            return (201, Data("{\"transaction-id\": 122, \"resource-uri\": \"https://www.polaraccesslink.com\(base)/122\"}".utf8), [])
        case ("GET", "\(base)/122"):
            return (200, Data("{\"exercises\": [\"https://www.polaraccesslink.com\(base)/122/exercises/56\"]}".utf8), [])
        case ("PUT", "\(base)/122"):
            committed.append(122)
            transactionOpen = false
            return (200, Data(), [])
        case ("GET", "\(base)/122/exercises/56"):
            return (200, Data(Self.transactionalExercise.utf8), [])
        case ("GET", "\(base)/122/exercises/56/samples"):
            return (200, Data("{\"samples\": [\"https://www.polaraccesslink.com\(base)/122/exercises/56/samples/0\", \"https://www.polaraccesslink.com\(base)/122/exercises/56/samples/1\"]}".utf8), [])
        case ("GET", "\(base)/122/exercises/56/samples/0"):
            let hr = (0 ..< 600).map { String(110 + $0 % 30) }.joined(separator: ",")
            return (200, Data("{\"recording-rate\": 1, \"sample-type\": \"0\", \"data\": \"\(hr)\"}".utf8), [])
        case ("GET", "\(base)/122/exercises/56/samples/1"):
            return (200, Data("{\"recording-rate\": 1, \"sample-type\": \"1\", \"data\": \"\((0 ..< 600).map { _ in "12.5" }.joined(separator: ","))\"}".utf8), [])
        case ("GET", "\(base)/122/exercises/56/gpx"):
            return (200, Data(Self.gpx.utf8), [])
        default:
            if method == "GET", path.hasPrefix("/v3/exercises/"), let body = exercisesByID[String(path.dropFirst("/v3/exercises/".count))] {
                return (200, body, [])
            }
            return (404, Data(), [])
        }
    }

    /// A transactional exercise (kebab-case, integer id), 10 minutes of running with a route.
    static let transactionalExercise = """
        {"id": 56, "upload-time": "2024-03-06T13:26:17.000Z", "polar-user": "https://www.polaraccesslink.com/v3/users/475",
         "transaction-id": 122, "device": "Polar Vantage M", "device-id": "4B91C421", "start-time": "2024-03-06T15:47:07",
         "start-time-utc-offset": 180, "duration": "PT10M", "calories": 118, "distance": 2174,
         "heart-rate": {"average": 124, "maximum": 139}, "sport": "RUNNING", "has-route": true, "detailed-sport-info": "RUNNING"}
        """

    static let gpx = """
        <?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="Polar"><trk><trkseg>
        <trkpt lat="60.1700" lon="24.9400"><ele>12.0</ele><time>2024-03-06T12:47:10.000Z</time></trkpt>
        <trkpt lat="60.1710" lon="24.9410"><ele>13.0</ele><time>2024-03-06T12:48:10.000Z</time></trkpt>
        <trkpt lat='60.1720' lon='24.9420'><ele>14.0</ele><time>2024-03-06T12:49:10.000Z</time></trkpt>
        </trkseg></trk></gpx>
        """

    /// Runs the fake on a free loopback port while `body` runs.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let fake = self
        router.on("**", method: .get) { request, _ in try await fake.respond(request) }
        router.on("**", method: .post) { request, _ in try await fake.respond(request) }
        router.on("**", method: .put) { request, _ in try await fake.respond(request) }
        router.on("**", method: .delete) { request, _ in try await fake.respond(request) }
        try await withServices({ onRunning in
            [Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                         onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: TemporaryWorkspace.quietLogger)]
        }) { port, _ in
            try await body("http://127.0.0.1:\(port)")
        }
    }

    nonisolated func respond(_ request: Request) async throws -> Response {
        let received = Data((try await request.body.collect(upTo: 1 << 20)).readableBytesView)
        let (status, body, headers) = await answer(method: request.method.rawValue, path: request.uri.path,
                                                   authorization: request.headers[.authorization], body: received)
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct AccessLinkSyncTests {
    func fixture(flow: String, base: String) async throws -> (ServiceFixture, AccessLinkSync) {
        let f = try await ServiceFixture {
            $0.accessLinkBaseURL = base
            $0.accessLinkFlow = flow
        }
        try await f.store.saveAccessLinkAccount(userKey: "alice", polarUserID: 475, accessToken: "polar-access-token", now: Clock.nowMillis())
        var sync = AccessLinkSync(environment: f.environment)
        sync.backoffSeconds = 0.05
        sync.retries = 3
        return (f, sync)
    }

    @Test func nonTransactionalExercisesAreWrittenOnceAndFlowThroughTheDAG() async throws {
        let fake = FakeAccessLink()
        let full = try RealSamples.bytes(prefix: "axs192__sample_data")
        let fullID = try #require((try JSONSerialization.jsonObject(with: Data(full)) as? [String: Any])?["id"] as? String)
        // The list holds one complete exercise and one bare id, fetched on its own.
        let other = try RealSamples.bytes(prefix: "axs192__other_data_sample")
        await fake.setExercise("PknlZNpd", Data(other))
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(full)), "PknlZNpd"]))
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            let first = await sync.syncAll()
            #expect(first.errors.isEmpty, "\(first.errors)")
            #expect(first.written == 2 && first.users == 1)
            #expect(f.inbox("alice").sorted() == ["accesslink-PknlZNpd.json", "accesslink-\(Workspace.safeName(fullID)).json"].sorted())
            #expect(await fake.count("POST /v3/users") == 1)
            #expect(await fake.count("GET /v3/exercises/PknlZNpd") == 1)

            // Nothing new: already-written exercises are not fetched or written again; registration is not repeated.
            let second = await sync.syncAll()
            #expect(second.written == 0 && second.skipped == 2 && second.errors.isEmpty)
            #expect(await fake.count("POST /v3/users") == 1)

            let result = try await f.runPipeline()
            #expect(result.outcome.state == .success)
            let exercises = try await f.store.exercises(runID: result.runID)
            #expect(exercises.count == 2)
            let alice = try #require(try await f.store.user(key: "alice"))
            let summaries = try await f.store.recentExercises(userID: alice.id, limit: 10)
            #expect(summaries.contains { $0.exercise.sport == "RUNNING" && $0.stats?.hrSamples == 8240 })
        }
    }

    /// `serve`'s scheduled sync job pulls at its tick.
    @Test func theScheduledSyncJobPullsAtItsTick() async throws {
        let fake = FakeAccessLink()
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        try await fake.serve { base in
            let (f, _) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            let ticks = TickCounter()
            let scheduler = Scheduler(schedule: try CronSchedule(f.environment.configuration.accessLinkSyncCron), sleep: { _ in try ticks.tick(limit: 1) })
            try await ScheduledJob.accessLink(f.environment, scheduler: scheduler).run()
            #expect(f.inbox("alice").count == 1)
            let metrics = try await f.environment.metrics.render(store: f.store)
            #expect(metrics.contains("polarpipe_accesslink_exercises_total 1"))
        }
    }

    @Test func theTransactionIsFetchedWrittenCommittedAndLoads() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "transactions", base: base)
            defer { f.remove() }
            // 204: nothing new, nothing committed.
            let empty = await sync.syncAll()
            #expect(empty.errors.isEmpty && empty.written == 0 && empty.committed == 0)
            #expect(await fake.committed.isEmpty)

            await fake.openTransaction()
            let report = await sync.syncAll()
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.written == 1 && report.committed == 1)
            #expect(await fake.committed == [122])
            #expect(f.inbox("alice") == ["accesslink-56.json"])

            let result = try await f.runPipeline()
            #expect(result.outcome.state == .success)
            let exercise = try #require(try await f.store.exercises(runID: result.runID).first)
            #expect(exercise.sport == "RUNNING")
            #expect(PolarTime.formatUTC(millis: exercise.startUTCMillis) == "2024-03-06T12:47:07.000Z")
            let stats = try #require(try await f.store.exerciseStatistics(exerciseID: exercise.id))
            #expect(stats.hrSamples == 600 && stats.hrMin == 110 && stats.hrMax == 139)
            #expect(stats.gpsPoints == 3)
        }
    }

    @Test func aTransactionWhoseFetchFailedIsNotCommittedAndNothingIsWritten() async throws {
        let fake = FakeAccessLink()
        await fake.openTransaction()
        let samplePath = "GET /v3/users/475/exercise-transactions/122/exercises/56/samples/1"
        await fake.fail(samplePath, [(500, nil), (500, nil), (500, nil), (500, nil), (500, nil)])
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "transactions", base: base)
            defer { f.remove() }
            let report = await sync.syncAll()
            #expect(report.errors.count == 1 && report.errors[0].contains("500"))
            #expect(report.committed == 0 && report.written == 0)
            #expect(await fake.committed.isEmpty)
            #expect(await fake.count(samplePath) == 4)  // first try + 3 retries
            #expect(f.inbox("alice").isEmpty)
            // The next sync gets the same transaction and succeeds.
            let again = await sync.syncAll()
            #expect(again.errors.isEmpty && again.committed == 1)
            #expect(await fake.committed == [122])
        }
    }

    @Test func retriesAfter5xxAndHonoursRetryAfterOn429() async throws {
        let fake = FakeAccessLink()
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        await fake.fail("GET /v3/exercises", [(503, nil), (502, nil), (429, "1")])
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            let start = Date()
            let report = await sync.syncAll()
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.written == 1)
            #expect(await fake.count("GET /v3/exercises") == 4)
            #expect(Date().timeIntervalSince(start) >= 1.0)  // Retry-After: 1
        }
    }

    /// Lines given to `AccessLinkSync.progress`.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    /// The rate limit is the API client's: once AccessLink reports a window used up, nothing more is sent, and the
    /// users not reached wait for the next sync.
    @Test func aUsedUpRateLimitStopsTheSyncAndTheOtherUsersWait() async throws {
        let fake = FakeAccessLink()
        await fake.setList(try JSONSerialization.data(withJSONObject: [try JSONSerialization.jsonObject(with: Data(try RealSamples.bytes(prefix: "axs192__sample_data")))]))
        await fake.addHeaders("GET /v3/exercises", [("RateLimit-Usage", "500, 900"), ("RateLimit-Limit", "500, 5000"), ("RateLimit-Reset", "600, 80000")])
        try await fake.serve { base in
            var (f, sync) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            try await f.store.saveAccessLinkAccount(userKey: "bob", polarUserID: 476, accessToken: "polar-access-token", now: Clock.nowMillis())
            let lines = Lines()
            sync.progress = { lines.append($0) }
            let report = await sync.syncAll()
            #expect(report.written == 1 && report.notReached == 1)
            #expect(report.errors == ["AccessLink's rate limit for this client is used up until it resets in 600 s: nothing more is "
                                      + "requested until the next sync; 1 of 2 users wait for the next sync"])
            #expect(lines.all.first == "user 1 of 2 (alice): 1 written, 0 already had; rate limit: 500 of 500, 900 of 5000 requests")
            #expect(await fake.count("POST /v3/users") == 1)  // bob's registration was not sent
            #expect(f.inbox("alice").count == 1 && f.inbox("bob").isEmpty)
        }
    }

    @Test func a429AskingForALongWaitStopsAtOnceInsteadOfRetrying() async throws {
        let fake = FakeAccessLink()
        await fake.fail("GET /v3/exercises", [(429, "3600"), (429, "3600"), (429, "3600"), (429, "3600")])
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            let start = Date()
            let report = await sync.syncAll()
            #expect(Date().timeIntervalSince(start) < 10)
            #expect(report.errors.count == 1 && report.errors[0].contains("used up until it resets in 3600 s"))
            #expect(await fake.count("GET /v3/exercises") == 1)
        }
    }

    @Test func anInvalidAccessTokenIs401AndWritesNothing() async throws {
        let fake = FakeAccessLink()
        try await fake.serve { base in
            let (f, sync) = try await fixture(flow: "exercises", base: base)
            defer { f.remove() }
            try await f.store.saveAccessLinkAccount(userKey: "alice", polarUserID: 475, accessToken: "expired-token-7f3a", now: Clock.nowMillis())
            let report = await sync.syncAll()
            #expect(report.errors.count == 1 && report.errors[0].contains("401"))
            #expect(!report.errors[0].contains("expired-token-7f3a"))  // tokens are never in messages
            #expect(f.inbox("alice").isEmpty)
            #expect(await fake.count("POST /v3/users") == 1)  // no retries on 401
            #expect(try await f.store.accessLinkAccounts().first?.registeredAt == nil)
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PolarPipeCore
@testable import PolarPipeService
import PolarPipeTestSupport
import ServiceLifecycle
import Testing

/// The in-process cache on its own: its bounds and its generation.
@Suite struct MemoryResponseCacheTests {
    func page(_ text: String) -> CachedResponse { .html(text) }

    @Test func theLeastRecentlyUsedEntryGoesFirstOnceTheEntryBoundIsReached() async {
        let cache = MemoryResponseCache(maxEntries: 2, maxBytes: 1 << 20)
        guard case .miss(let generation) = await cache.lookup("a") else { Issue.record("an empty cache found a"); return }
        await cache.store(page("A"), key: "a", generation: generation)
        await cache.store(page("B"), key: "b", generation: generation)
        #expect(await cache.lookup("a") == .hit(page("A")))   // a is now the most recently used
        await cache.store(page("C"), key: "c", generation: generation)
        #expect(await cache.lookup("b") == .miss(generation: generation))
        #expect(await cache.lookup("a") == .hit(page("A")))
        #expect(await cache.lookup("c") == .hit(page("C")))
        #expect(await cache.count == 2)
    }

    @Test func theByteBoundEvictsAndAResponseLargerThanTheBoundIsNotKept() async {
        let cache = MemoryResponseCache(maxEntries: 100, maxBytes: 10)
        await cache.store(page("123456"), key: "x", generation: 0)
        await cache.store(page("abcdef"), key: "y", generation: 0)
        #expect(await cache.lookup("x") == .miss(generation: 0))
        #expect(await cache.lookup("y") == .hit(page("abcdef")))
        #expect(await cache.bytes == 6)
        await cache.store(page(String(repeating: "z", count: 11)), key: "z", generation: 0)
        #expect(await cache.lookup("z") == .miss(generation: 0))
        #expect(await cache.bytes == 6)
        // Storing a key again replaces its bytes instead of adding to them.
        await cache.store(page("12"), key: "y", generation: 0)
        #expect(await cache.bytes == 2)
    }

    @Test func aNewGenerationFindsNothingOfTheOldOneNorKeepsALateStore() async {
        let cache = MemoryResponseCache()
        await cache.store(page("old"), key: "index", generation: 0)
        await cache.bumpGeneration()
        #expect(await cache.lookup("index") == .miss(generation: 1))
        // A render that began before the bump stores under generation 0: dropped.
        await cache.store(page("rendered before the run ended"), key: "index", generation: 0)
        #expect(await cache.lookup("index") == .miss(generation: 1))
        #expect(await cache.count == 0)
    }
}

/// `service.cache` and `serve --cache`: the accepted forms, and the refused ones with the setting's name.
@Suite struct CacheSettingTests {
    @Test func theCacheSettingIsReadFromTheEnvironment() throws {
        let redis = try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SERVICE_CACHE": "redis://127.0.0.1:6380"])
        #expect(redis.cache == .redis(host: "127.0.0.1", port: 6380))
        #expect(try ConfigurationLoader.load(file: nil, environment: [:]).cache == .memory)
        #expect(try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SERVICE_CACHE": "off"]).cache == .off)
        #expect(CacheSetting("redis://cache.local") == .redis(host: "cache.local", port: 6379))
    }

    @Test(arguments: ["redis://127.0.0.1:0", "redis://127.0.0.1:70000", "redis://:secret@127.0.0.1:6379", "redis://127.0.0.1:6379/2",
                      "http://127.0.0.1:6379", "redis://", "lru"])
    func aBadCacheSettingIsRefusedWithItsName(_ value: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SERVICE_CACHE": value])
        }
        #expect(error?.message.contains("bad value '\(value)' for service.cache") == true)
    }

    @Test func theLRUBoundsAreRangeChecked() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SERVICE_CACHE_MAX_ENTRIES": "0"])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SERVICE_CACHE_MAX_BYTES": "99999999999999999999"])
        }
    }

    @Test func serveRefusesABadCacheOption() throws {
        let result = try runPolarPipe(["serve", "--cache", "redis://127.0.0.1:99999", "--port", "0"])
        #expect(result.status != 0)
        #expect(result.output.contains("--cache must be memory, off or redis://host[:port]"))
    }
}

/// The Redis cache against a real `redis-server`, and the live service with it: pages and statistics served from
/// Redis, a finished run showing its new data at the next request, and a killed Redis costing no request.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: TestEnvironment.runs(TestEnvironment.redisServer != nil)))
struct RedisResponseCacheTests {
    @Test func anEntryIsFoundOnlyInTheGenerationItWasStoredIn() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let cache = RedisResponseCache(client: server.client(), logger: TemporaryWorkspace.quietLogger)
        #expect(await cache.lookup("polarpipe:cache:admin:k") == .miss(generation: 0))
        await cache.store(.html("<p>7</p>"), key: "polarpipe:cache:admin:k", generation: 0)
        #expect(await cache.lookup("polarpipe:cache:admin:k") == .hit(.html("<p>7</p>")))
        await cache.bumpGeneration()
        #expect(await cache.lookup("polarpipe:cache:admin:k") == .miss(generation: 1))
        #expect(try await server.client().get(RedisResponseCache.generationKey) == Array("1".utf8))
        // A value someone else wrote under a polarpipe key is a miss, not a page.
        try await server.client().set("polarpipe:cache:admin:k", Array("garbage".utf8))
        #expect(await cache.lookup("polarpipe:cache:admin:k") == .miss(generation: 1))
    }

    @Test func aDeadRedisIsAnUnavailableCacheWithOneWarning() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let log = CollectedLog()
        let cache = RedisResponseCache(client: server.client(), logger: log.logger)
        #expect(await cache.lookup("k") == .miss(generation: 0))
        server.killServer()
        for _ in 0 ..< 20 {
            #expect(await cache.lookup("k") == .unavailable)
            await cache.store(.html("x"), key: "k", generation: 0)
            await cache.bumpGeneration()
        }
        #expect(log.lines.filter { $0.hasPrefix("warning") }.count == 1)
        #expect(log.lines.first?.contains("response cache unavailable") == true)
        try server.start()
        _ = try await eventually {
            guard case .miss = await cache.lookup("k") else { throw RESPError.unavailable("still down") }
        }
        #expect(log.lines.last == "notice response cache reachable again")
    }

    @Test func theServicesOwnRunBumpsTheGenerationInRedis() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let f = try await ServiceFixture()
        defer { f.remove() }
        let environment = f.environment(cachingIn: server)
        let job = ScheduledJob.pipeline(environment, scheduler: Scheduler(schedule: try CronSchedule("0 2 * * *")))
        await job.job(Date())
        #expect(try await server.client().get(RedisResponseCache.generationKey) == Array("1".utf8))
        #expect(try await f.store.runs(limit: 10).count == 1)
    }

    @Test func theLiveServiceServesFromRedisShowsANewRunAndSurvivesRedisDying() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let f = try await ServiceFixture()
        defer { f.remove() }
        let environment = f.environment(cachingIn: server)
        let redis = server.client()
        try f.addToInbox("alice", prefix: "leewc__training-session-2024")
        #expect(try await f.runPipeline().outcome.state == .success)
        let before = try await f.exerciseCount("alice")
        #expect(before >= 1)

        try await withServices({ try PolarPipeServer.services(environment, host: "127.0.0.1", port: 0, onRunning: $0) }) { port, _ in
            let http = CachedHTTP(port: port)
            let first = try await http.get("users/alice.html", token: f.alice)
            #expect(first.status == 200 && first.cache == "miss")
            #expect(first.body.contains("<b>\(before)</b><span>exercises</span>"))
            let second = try await http.get("users/alice.html", token: f.alice)
            #expect(second.status == 200 && second.cache == "hit" && second.body == first.body)
            let keys = try await redis.send([["KEYS", "polarpipe:cache:user:alice:*"].map(RESPClient.bytes)])
            guard case .array(let found?) = try #require(keys.first) else { Issue.record("KEYS answered \(keys)"); return }
            #expect(found.count == 1)

            // Another user's token gets neither the page nor the cached copy; an admin gets its own entry.
            let bob = try await http.get("users/alice.html", token: f.bob)
            #expect(bob.status == 403 && bob.cache == nil)
            #expect(try await http.get("users/alice.html", token: f.admin).cache == "miss")

            // The statistics API is cached the same way.
            #expect(try await http.get("api/v1/users/alice/statistics", token: f.alice).cache == "miss")
            let statistics = try await http.get("api/v1/users/alice/statistics", token: f.alice)
            #expect(statistics.cache == "hit" && statistics.totalExercises == before)

            // A run by another process (as `polarpipe run`): the next request renders the new data.
            try f.addToInbox("alice", prefix: "leewc__training-session-2025")
            #expect(try await f.runPipeline().outcome.state == .success)
            let after = try await f.exerciseCount("alice")
            #expect(after > before)
            let fresh = try await http.get("users/alice.html", token: f.alice)
            #expect(fresh.status == 200 && fresh.cache == "miss")
            #expect(fresh.body.contains("<b>\(after)</b><span>exercises</span>"))
            #expect(try await http.get("api/v1/users/alice/statistics", token: f.alice).totalExercises == after)

            // Redis killed: every request still answers 200, rendered without the cache.
            server.killServer()
            for path in ["users/alice.html", "api/v1/users/alice/statistics", "users/alice.html"] {
                let response = try await http.get(path, token: f.alice)
                #expect(response.status == 200 && response.cache == "bypass")
            }
            #expect(try await http.get("users/alice.html", token: f.alice).body.contains("<b>\(after)</b><span>exercises</span>"))

            // Redis back: the service reconnects by itself and caches again.
            try server.start()
            let resumed = try await eventually {
                let response = try await http.get("users/alice.html", token: f.alice)
                guard response.cache == "miss" else { throw RESPError.unavailable("still bypassed") }
                return response
            }
            #expect(resumed.body.contains("<b>\(after)</b><span>exercises</span>"))
            #expect(try await http.get("users/alice.html", token: f.alice).cache == "hit")
        }
    }
}

/// The default in-process cache in the live service: the same page cycle without Redis.
@Suite(.serialized, .timeLimit(.minutes(10))) struct InProcessCacheLiveTests {
    @Test func theInProcessCacheServesAPageUntilARunEnds() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        #expect(f.environment.cache.name == "memory")
        try f.addToInbox("alice", prefix: "leewc__training-session-2024")
        #expect(try await f.runPipeline().outcome.state == .success)
        let before = try await f.exerciseCount("alice")
        try await withServices({ try PolarPipeServer.services(f.environment, host: "127.0.0.1", port: 0, onRunning: $0) }) { port, _ in
            let http = CachedHTTP(port: port)
            #expect(try await http.get("index.html", token: f.admin).cache == "miss")
            #expect(try await http.get("index.html", token: f.admin).cache == "hit")
            #expect(try await http.get("api/v1/global/statistics", token: f.admin).cache == "miss")
            #expect(try await http.get("api/v1/global/statistics", token: f.admin).cache == "hit")
            try f.addToInbox("alice", prefix: "leewc__training-session-2025")
            #expect(try await f.runPipeline().outcome.state == .success)
            let after = try await f.exerciseCount("alice")
            let page = try await http.get("users/alice.html", token: f.alice)
            #expect(page.cache == "miss" && page.body.contains("<b>\(after)</b><span>exercises</span>") && after > before)
            let index = try await http.get("index.html", token: f.admin)
            #expect(index.cache == "miss")
        }
    }
}

/// GET requests to the live service, with what a test checks of the answer.
struct CachedHTTP: Sendable {
    let port: Int

    struct Answer: Sendable {
        var status: Int
        var cache: String?
        var body: String
        /// `statistics.total_exercises` of a user statistics response.
        var totalExercises: Int? {
            let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            return (object?["statistics"] as? [String: Any])?["total_exercises"] as? Int
        }
    }

    func get(_ path: String, token: String) async throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/\(path)")))
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(status: http.statusCode, cache: http.value(forHTTPHeaderField: "x-polarpipe-cache"),
                      body: String(decoding: data, as: UTF8.self))
    }
}

extension ServiceFixture {
    /// The fixture's environment with its responses cached in `server`.
    func environment(cachingIn server: RedisServer) -> ServiceEnvironment {
        var environment = self.environment
        environment.cache = RedisResponseCache(client: server.client(), logger: TemporaryWorkspace.quietLogger)
        return environment
    }

    /// Copies a real sample into a user's inbox, as a device sync or an upload would leave it.
    func addToInbox(_ user: String, prefix: String) throws {
        let source = try RealSamples.file(prefix: prefix)
        let folder = tmp.workspace.inbox.appendingPathComponent(user)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(source.lastPathComponent))
    }

    /// The user's exercise count as the statistics table has it.
    func exerciseCount(_ user: String) async throws -> Int {
        let record = try #require(try await store.user(key: user))
        return try #require(try await store.userStatistics(userID: record.id)).totalExercises
    }
}

/// A logger whose lines (`<level> <message>`) a test reads back.
final class CollectedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    var lines: [String] { lock.withLock { collected } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: CollectedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink.lock.withLock { sink.collected.append("\(event.level) \(event.message)") }
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import ServiceLifecycle
import Testing

/// The service on a real loopback port, run as `polarpipe serve` runs it (one `ServiceGroup`), with a real HTTP
/// client; stopped by a graceful shutdown.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LiveServiceTests {
    /// Runs the whole service on 127.0.0.1 (a free port) while `body` runs, then shuts it down gracefully.
    func withLiveService(_ f: ServiceFixture, _ body: @escaping @Sendable (URL, ServiceGroup) async throws -> Void) async throws {
        try await withServices({ try PolarPipeServer.services(f.environment, host: "127.0.0.1", port: 0, onRunning: $0) }) { port, group in
            try await body(try #require(URL(string: "http://127.0.0.1:\(port)")), group)
        }
    }

    static func session(connections: Int) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = 120
        return URLSession(configuration: configuration)
    }

    static func post(_ session: URLSession, _ url: URL, token: String, body: Data) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: url.appendingPathComponent("api/v1/exercises"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    @Test func liveUploadReadAndHealthOnALoopbackPort() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let token = f.alice
        try await withLiveService(f) { base, _ in
            let session = Self.session(connections: 4)
            let (status, body) = try await Self.post(session, base, token: token, body: try Data(contentsOf: try RealSamples.file(prefix: "axs192__sample_data")))
            #expect(status == 201 && body["layout"] as? String == "accesslink-v3")
            let (health, _) = try await session.data(from: base.appendingPathComponent("healthz"))
            #expect(String(decoding: health, as: UTF8.self).contains("reachable"))
            var me = URLRequest(url: base.appendingPathComponent("api/v1/me"))
            me.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (meData, _) = try await session.data(for: me)
            #expect(String(decoding: meData, as: UTF8.self).contains("\"user_key\" : \"alice\""))
        }
        #expect(f.inbox("alice").count == 1)
    }

    /// A chunked body (no Content-Length) is counted while it streams and refused past the limit; nothing stays
    /// behind, not even the `.part` file.
    /// Headless Chromium's DOM of `url`.
    static func browserDOM(_ url: String) throws -> String {
        let chromium = try #require(TestEnvironment.chromium, "CI must install chromium (.ci/run does)")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try PolarPipeExecutable.run(executable: URL(fileURLWithPath: chromium), [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--dump-dom", url,
        ])
        return result.output
    }

    /// The dashboards a browser gets from the service: a user logs in with HTTP Basic (the token as password) and
    /// sees its page with the loaded exercise; another user's page and the index are refused to it.
    @Test(.enabled(if: TestEnvironment.runs(TestEnvironment.chromium != nil)))
    func aBrowserShowsTheServedDashboards() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let token = f.alice
        let file = try Data(contentsOf: try RealSamples.file(prefix: "axs192__sample_data"))
        try await withLiveService(f) { base, _ in
            #expect(try await Self.post(Self.session(connections: 1), base, token: token, body: file).0 == 201)
            #expect(try await f.runPipeline().outcome.state == .success)
            let port = base.port ?? 0
            let page = try Self.browserDOM("http://alice:\(token)@127.0.0.1:\(port)/users/alice.html")
            #expect(page.contains("<title>polarpipe — alice</title>") && page.contains("<svg"), "\(page.prefix(500))")
            #expect(page.contains("RUNNING") && page.contains("exercises"))
            let exercise = try #require(try await f.store.allExerciseIDs().first)
            let exercisePage = try Self.browserDOM("http://alice:\(token)@127.0.0.1:\(port)/exercises/\(exercise).html")
            #expect(exercisePage.contains("<svg") && exercisePage.contains("alice") && exercisePage.contains("Heart rate"), "\(exercisePage.prefix(300))")
            let other = try Self.browserDOM("http://alice:\(token)@127.0.0.1:\(port)/users/bob.html")
            #expect(!other.contains("polarpipe — bob"))
            let anonymous = try Self.browserDOM("http://127.0.0.1:\(port)/users/alice.html")
            #expect(!anonymous.contains("<svg"))
        }
    }

    @Test func aStreamedBodyPastTheLimitIsRefusedWhileStreaming() async throws {
        let f = try await ServiceFixture { $0.maxUploadBytes = 100_000 }
        defer { f.remove() }
        let token = f.alice
        try await withLiveService(f) { base, _ in
            var request = URLRequest(url: base.appendingPathComponent("api/v1/exercises"))
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.httpBodyStream = InputStream(data: Data(repeating: 0x20, count: 5 << 20))
            // The server may close the connection before the client has sent everything: then there is no status.
            if let (data, response) = try? await Self.session(connections: 1).data(for: request) {
                #expect((response as? HTTPURLResponse)?.statusCode == 413)
                #expect(String(decoding: data, as: UTF8.self).contains("too-large"))
            }
        }
        #expect(f.inbox("alice").isEmpty)
        let metrics = try await f.environment.metrics.render(store: f.store)
        #expect(metrics.contains("polarpipe_upload_rejects_total{reason=\"too-large\"} 1"))
        #expect(metrics.contains("polarpipe_upload_bytes_total 0"))
    }

    /// An upload still streaming sits in the inbox as `.part`: a run started meanwhile claims nothing; when the
    /// body is complete the file is renamed and answered 201.
    @Test func aHalfWrittenUploadIsNeverClaimed() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let body = try Data(contentsOf: try RealSamples.file(prefix: "axs192__sample_data"))
        let token = f.alice
        try await withLiveService(f) { base, _ in
            let socket = try RawHTTPClient(port: base.port ?? 0)
            defer { socket.close() }
            try socket.send(Data("POST /api/v1/exercises HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
            try socket.send(body.prefix(body.count / 2))
            // Wait until the server has the .part file.
            let deadline = Date().addingTimeInterval(10)
            while !f.inbox("alice").contains(where: { $0.hasSuffix(".part") }) && Date() < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(f.inbox("alice").count == 1 && f.inbox("alice")[0].hasSuffix(".part"))
            let run = try await f.runPipeline()
            #expect(try await f.store.files(runID: run.runID).isEmpty)
            #expect(f.inbox("alice").count == 1 && f.inbox("alice")[0].hasSuffix(".part"))

            try socket.send(body.dropFirst(body.count / 2))
            let answer = try socket.receiveHead()
            #expect(answer.hasPrefix("HTTP/1.1 201"))
            #expect(f.inbox("alice").count == 1 && f.inbox("alice")[0].hasSuffix(".json"))
        }
    }

    /// SIGTERM's graceful shutdown lets an upload in flight finish: it is answered 201 and stored.
    @Test func anUploadInFlightFinishesDuringGracefulShutdown() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let body = try Data(contentsOf: try RealSamples.file(prefix: "axs192__sample_data"))
        let token = f.alice
        try await withLiveService(f) { base, group in
            let socket = try RawHTTPClient(port: base.port ?? 0)
            defer { socket.close() }
            try socket.send(Data("POST /api/v1/exercises HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
            try socket.send(body.prefix(1000))
            let deadline = Date().addingTimeInterval(10)
            while !f.inbox("alice").contains(where: { $0.hasSuffix(".part") }) && Date() < deadline {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            async let shutdown: Void = group.triggerGracefulShutdown()
            try await Task.sleep(nanoseconds: 300_000_000)
            try socket.send(body.dropFirst(1000))
            let answer = try socket.receiveHead()
            await shutdown
            #expect(answer.hasPrefix("HTTP/1.1 201"))
        }
        #expect(f.inbox("alice").count == 1 && f.inbox("alice")[0].hasSuffix(".json"))
    }

    /// A DAG run that the shutdown interrupts stays `running` with its files: the next run finishes it, nothing lost.
    @Test func aRunInterruptedByShutdownIsFinishedLaterWithNothingLost() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 12, seed: 3, durationSeconds: 3600).write(to: f.tmp.workspace.inbox)
        let first = TickCounter()
        // The first tick comes at once; later ones wait (and are cancelled by the shutdown).
        let scheduler = Scheduler(schedule: try CronSchedule("0 2 * * *"), sleep: { _ in
            if (try? first.tick(limit: 1)) == nil { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
        })
        let store = f.store
        try await withServices(waitForPort: false, { _ in [ScheduledJob.pipeline(f.environment, scheduler: scheduler)] }) { _, group in
            let deadline = Date().addingTimeInterval(60)
            while try await store.runs(limit: 1).first == nil && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            try await Task.sleep(nanoseconds: 300_000_000)
            await group.triggerGracefulShutdown()
        }
        let interrupted = try #require(try await store.runs(limit: 1).first)
        // Left as a crash leaves it, never marked failed and then running again after its lease was released.
        #expect(interrupted.state == .running && interrupted.endedAt == nil && interrupted.summary == nil)
        let runner = PipelineRunner(workspace: f.tmp.workspace, store: store, configuration: f.environment.configuration,
                                    logger: TemporaryWorkspace.quietLogger)
        let next = try await runner.run()
        #expect(next.recovered.map(\.runID) == [interrupted.runID])
        #expect(next.recovered.first?.outcome.state == .success && next.outcome.state == .success)
        var loaded = 0
        for run in try await store.runs(limit: 10) { loaded += try await store.files(runID: run.runID).filter { $0.status == .loaded }.count }
        #expect(loaded == 24)
        #expect(f.inbox("athlete-01").isEmpty && f.inbox("athlete-02").isEmpty)
    }

    /// 200 concurrent uploads from a loopback client: each answers 201 and its file is in the inbox, or a clear
    /// error; none is lost. Prints the throughput.
    @Test func twoHundredConcurrentUploadsAreAllStoredOrClearlyRefused() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let generator = SyntheticData(users: 1, sessionsPerUser: 200, seed: 42, durationSeconds: 120)
        let bodies = (0 ..< 200).map { Data(generator.makeSession(user: 0, index: $0).0) }
        let totalBytes = bodies.reduce(0) { $0 + $1.count }
        let token = f.alice
        let results = LockedResults()
        let started = Date()
        try await withLiveService(f) { base, _ in
            let session = Self.session(connections: 200)
            await withTaskGroup(of: Void.self) { group in
                for (i, body) in bodies.enumerated() {
                    group.addTask {
                        let start = Date()
                        do {
                            let (status, json) = try await Self.post(session, base, token: token, body: body)
                            results.add(i, status, json["path"] as? String, json["error"] as? String, seconds: Date().timeIntervalSince(start))
                        } catch {
                            results.add(i, 0, nil, "\(error)", seconds: Date().timeIntervalSince(start))
                        }
                    }
                }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let all = results.all
        #expect(all.count == 200)
        let created = all.filter { $0.status == 201 }
        let failed = all.filter { $0.status != 201 }
        // Every failure is a clear error, never a silent loss; every 201 is in the inbox.
        for r in failed { #expect(r.error != nil, "upload \(r.index): status \(r.status) without a reason") }
        let inbox = Set(f.inbox("alice").map { "inbox/alice/" + $0 })
        for r in created { #expect(r.path.map(inbox.contains) == true, "upload \(r.index) answered 201 but \(r.path ?? "-") is not in the inbox") }
        #expect(inbox.count == created.count)
        #expect(!inbox.contains { $0.hasSuffix(".part") })
        #expect(created.count == 200)
        let latencies = all.map(\.seconds).sorted()
        print(String(format: "load test: %d concurrent uploads, %d created, %d refused, %.1f MB in %.2f s = %.1f uploads/s, %.1f MB/s; latency p50 %.0f ms, p99 %.0f ms",
                     all.count, created.count, failed.count, Double(totalBytes) / 1e6, seconds, Double(all.count) / seconds,
                     Double(totalBytes) / 1e6 / seconds, latencies[latencies.count / 2] * 1000, latencies[latencies.count * 99 / 100] * 1000))
        // They all load.
        var config = f.environment.configuration
        config.maxExercisesPerRun = 1000
        let result = try await PipelineRunner(workspace: f.tmp.workspace, store: f.store, configuration: config,
                                              logger: TemporaryWorkspace.quietLogger).run()
        #expect(try await f.store.files(runID: result.runID).filter { $0.status == .loaded }.count == 200)
    }
}

final class LockedResults: @unchecked Sendable {
    struct Result { var index: Int, status: Int, path: String?, error: String?, seconds: Double }
    private let lock = NSLock()
    private var results: [Result] = []
    func add(_ index: Int, _ status: Int, _ path: String?, _ error: String?, seconds: Double) {
        lock.lock()
        results.append(Result(index: index, status: status, path: path, error: error, seconds: seconds))
        lock.unlock()
    }
    var all: [Result] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}

/// A blocking HTTP/1.1 client on a plain socket, to send a request body in parts.
final class RawHTTPClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { throw POSIXError(.EPIPE) }
                offset += n
            }
        }
    }

    /// The response's status line and headers.
    func receiveHead() throws -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.range(of: Data("\r\n\r\n".utf8)) == nil {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { break }
            data.append(contentsOf: buffer[0 ..< n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}

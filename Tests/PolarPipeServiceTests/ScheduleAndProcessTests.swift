import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct ScheduleAndProcessTests {
    /// The scheduled DAG job of `serve`: at a tick it runs the pipeline over the inbox (trigger `schedule`); while
    /// another live process holds the run lease the tick is skipped, so two runs never overlap.
    @Test func theScheduledJobRunsTheDAGAndNeverOverlapsAnotherRun() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try f.tmp.drop(Data(try RealSamples.bytes(prefix: "axs192__sample_data")), at: "alice/run.json")
        let ticks = TickCounter()
        let scheduler = Scheduler(schedule: try CronSchedule("0 2 * * *"), sleep: { _ in try ticks.tick(limit: 1) })
        let job = ScheduledJob.pipeline(f.environment, scheduler: scheduler)
        try await job.run()  // one tick, then the sleep is cancelled
        let runs = try await f.store.runs(limit: 10)
        #expect(runs.map(\.trigger) == ["schedule"] && runs.first?.state == .success)
        #expect(try await f.store.files(runID: runs[0].runID).map(\.status) == [.loaded])

        // Another live process (pid 1) holds the lease: the next tick starts nothing.
        try f.tmp.drop(Data(try RealSamples.bytes(prefix: "axs192__other_data_sample")), at: "alice/other.json")
        let holder = try await f.store.acquireLease(runID: "elsewhere", owner: LeaseOwner(pid: 1, host: ProcessInfo.processInfo.hostName),
                                                    now: Clock.nowMillis(), ttlMillis: 60_000, isStale: { _ in false })
        #expect(holder == nil)
        let blocked = TickCounter()
        try await ScheduledJob.pipeline(f.environment, scheduler: Scheduler(schedule: try CronSchedule("0 2 * * *"),
                                                                            sleep: { _ in try blocked.tick(limit: 1) })).run()
        #expect(try await f.store.runs(limit: 10).count == 1)
        #expect(f.inbox("alice") == ["other.json"])
    }

    /// The real executable: users add, tokens create, serve on a loopback port, an upload, then SIGTERM → exit 0.
    @Test func serveAnswersAndStopsWithExitZeroOnSIGTERM() async throws {
        let tmp = try TemporaryWorkspace("polarpipe-serve")
        defer { tmp.remove() }
        try tmp.keepTheScheduleAway()
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try Self.run(["users", "add", "alice"] + ws).output.contains("user alice created"))
        let created = try Self.run(["tokens", "create", "alice"] + ws)
        let token = try #require(created.output.split(separator: "\n").last.map(String.init))
        #expect(token.hasPrefix("pp_") && created.status == 0)
        #expect(try Self.run(["users", "add", "../evil"] + ws).status != 0)

        let serve = Process()
        serve.executableURL = Self.executable
        serve.arguments = ["serve", "--port", "0"] + ws
        let out = Pipe()
        serve.standardOutput = out
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        // The first line names the address.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let address = try #require(text.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let base = try #require(URL(string: address))

        var request = URLRequest(url: base.appendingPathComponent("api/v1/exercises"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = try Data(contentsOf: try RealSamples.file(prefix: "axs192__sample_data"))
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)

        kill(serve.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while serve.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!serve.isRunning)
        #expect(serve.terminationReason == .exit && serve.terminationStatus == 0)
        let inbox = try FileManager.default.contentsOfDirectory(atPath: tmp.workspace.inbox.appendingPathComponent("alice").path)
        #expect(inbox.count == 1 && inbox[0].hasPrefix("upload-"))
    }

    static var executable: URL { PolarPipeExecutable.url }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) { try runPolarPipe(arguments) }
}

/// A scheduler sleep that lets `limit` ticks through, then acts as a cancelled sleep.
final class TickCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func tick(limit: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        if count > limit { throw CancellationError() }
    }
}

import ArgumentParser
import Foundation
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the whole DAG on generated one-hour sessions in a fresh workspace (SQLite, or PostgreSQL with --database).",
        discussion: "Build with -c release. Reports wall time, exercises/s, MB/s of JSON, rows/s, peak RSS and the time of each task.")

    @Option(help: "Number of one-hour sessions to generate.") var sessions = 200
    @Option(help: "Sessions per user.") var perUser = 20
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Workspace to use (default: a new temporary folder, removed afterwards).") var workspace: String?
    @Option(name: .customLong("inbox-from"), help: "Copy this folder's files into the inbox instead of generating.")
    var inboxFrom: String?
    @Option(help: "Database: default a new SQLite file in the workspace; a postgres:// URL of an empty database benchmarks PostgreSQL.")
    var database: String?
    @Option(name: .customLong("shard-files"), help: "Files per shard of the mapped tasks (default 64).") var shardFiles: Int?
    @Option(help: "Mapped task instances at once (default: the number of cores).") var parallelism: Int?
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("fenced-writes"), help: "Instead: time N task-record writes with and without the run lease's fencing check, on --database (default: a new SQLite file).")
    var fencedWrites: Int?
    @Flag(help: "Compare JSON decoders on one generated one-hour session, and polarpipe's FIT, TCX, GPX and CSV decoders on the same session, instead.") var decoders = false

    func validate() throws {
        guard (1 ... 1_000_000).contains(sessions) else { throw ValidationError("--sessions must be from 1 to 1000000") }
        guard (1 ... 10_000).contains(perUser) else { throw ValidationError("--per-user must be from 1 to 10000") }
        if let shardFiles, !ConfigurationBounds.shardCount.contains(shardFiles) {
            throw ValidationError("--shard-files must be \(ConfigurationBounds.shardCount)")
        }
        if let parallelism, !ConfigurationBounds.parallelism.contains(parallelism) {
            throw ValidationError("--parallelism must be \(ConfigurationBounds.parallelism)")
        }
        if let fencedWrites, !(10 ... 1_000_000).contains(fencedWrites) {
            throw ValidationError("--fenced-writes must be from 10 to 1000000")
        }
    }

    /// Peak resident set of this process (`VmHWM`; `ru_maxrss` would include a parent's peak across exec).
    static func peakResidentMB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    func run() async throws {
        if decoders { return try DecoderComparison.run() }
        let fm = FileManager.default
        let root = workspace.map { URL(fileURLWithPath: $0) }
            ?? fm.temporaryDirectory.appendingPathComponent("polarpipe-bench-\(UUID().uuidString.prefix(8))")
        let ws = Workspace(root)
        if fm.fileExists(atPath: root.path), workspace != nil {
            throw CLIError("\(root.path) exists; give a new folder as --workspace")
        }
        try ws.create()
        defer { if workspace == nil { try? fm.removeItem(at: root) } }
        if let fencedWrites {
            return try await FencingBench.run(store: try await WorkspaceOptions.open(url: database, workspace: ws), writes: fencedWrites)
        }
        var bytes = 0
        if let inboxFrom {
            try fm.removeItem(at: ws.inbox)
            try fm.copyItem(at: URL(fileURLWithPath: inboxFrom), to: ws.inbox)
            let e = fm.enumerator(at: ws.inbox, includingPropertiesForKeys: [.fileSizeKey])
            while let url = e?.nextObject() as? URL { bytes += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0 }
        } else {
            let users = max(1, (sessions + perUser - 1) / perUser)
            let data = SyntheticData(users: users, sessionsPerUser: perUser, seed: seed)
            var written = 0
            for u in 0 ..< users {
                let folder = ws.inbox.appendingPathComponent(SyntheticData.userKey(u))
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
                for s in 0 ..< perUser where written < sessions {
                    let (file, session) = data.makeSession(user: u, index: s)
                    try Data(file).write(to: folder.appendingPathComponent(session.relativePath))
                    bytes += file.count
                    written += 1
                }
            }
        }
        let store = try await WorkspaceOptions.open(url: database, workspace: ws)
        var config = PipelineConfiguration()
        config.maxExercisesPerRun = max(config.maxExercisesPerRun, sessions * 4)
        config.retryPolicy = RetryPolicy(retries: 0)
        if let shardFiles { config.shardLimits.files = shardFiles }
        if let parallelism { config.parallelism = parallelism }
        let runner = PipelineRunner(workspace: ws, store: store, configuration: config,
                                    logger: WorkspaceOptions.quietLogger())
        let started = Date()
        let result = try await runner.run(runID: "bench")
        let wall = Date().timeIntervalSince(started)
        guard result.outcome.state == .success else { throw ExitCodes.runFailed }
        let instances = try await store.taskInstances(runID: "bench")
        let exercises = try await store.exerciseCount(runID: "bench")
        let global = try await store.latestGlobalStatistics() ?? GlobalStatistics()
        let rows = global.totalHRSamples + global.totalGPSPoints
        let peakMB = Self.peakResidentMB()
        let mb = Double(bytes) / 1e6
        let summaries = TaskSummary.of(instances)
        let tasks = (try TrainingPipeline.graph().tasks.map(\.id)).compactMap { id in summaries[id].map { (id, $0.seconds ?? 0) } }
        if json {
            let taskJSON = tasks.map { "\"\($0.0)\": \(String(format: "%.3f", $0.1))" }.joined(separator: ", ")
            print("""
                {"sessions": \(exercises), "json_mb": \(String(format: "%.1f", mb)), "wall_s": \(String(format: "%.3f", wall)), \
                "exercises_per_s": \(String(format: "%.1f", Double(exercises) / wall)), "mb_per_s": \(String(format: "%.1f", mb / wall)), \
                "rows": \(rows), "rows_per_s": \(String(format: "%.0f", Double(rows) / wall)), "peak_rss_mb": \(String(format: "%.1f", peakMB)), \
                "tasks": {\(taskJSON)}}
                """)
            return
        }
        print(String(format: "%d exercises, %.1f MB of JSON, %d rows (HR %d + GPS %d)", exercises, mb, rows,
                     global.totalHRSamples, global.totalGPSPoints))
        print(String(format: "wall %.2f s — %.1f exercises/s, %.1f MB/s, %.0f rows/s, %.2f ms per exercise; peak RSS %.1f MB",
                     wall, Double(exercises) / wall, mb / wall, Double(rows) / wall, wall * 1000 / Double(max(exercises, 1)), peakMB))
        for (id, seconds) in tasks {
            print("  " + id.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%7.3f s", seconds))
        }
    }
}

/// Foundation's JSONDecoder and JSONSerialization against polarpipe's decoder, on the same old-layout file.
enum DecoderComparison {
    struct OldFile: Decodable {
        struct Point: Decodable { let dateTime: String; let value: Double? }
        struct RoutePoint: Decodable { let dateTime: String; let latitude: Double; let longitude: Double; let altitude: Double? }
        struct Samples: Decodable {
            let heartRate, speed, altitude, distance: [Point]?
            let recordedRoute: [RoutePoint]?
        }
        struct Exercise: Decodable { let startTime: String; let sport: String; let samples: Samples? }
        let exercises: [Exercise]
    }

    static func run() throws {
        let (bytes, _) = SyntheticData(users: 1, sessionsPerUser: 1, seed: 7).makeSession(user: 0, index: 0)
        let data = Data(bytes)
        var mb = Double(bytes.count) / 1e6
        func measure(_ name: String, rounds: Int = 10, megabytes: Double? = nil, _ body: () throws -> Int) rethrows {
            _ = try body()  // warm up
            let start = Date()
            var samples = 0
            for _ in 0 ..< rounds { samples = try body() }
            let seconds = Date().timeIntervalSince(start) / Double(rounds)
            print(name.padding(toLength: 58, withPad: " ", startingAt: 0)
                  + String(format: "%8.1f MB/s  %7.2f ms  %d samples", (megabytes ?? mb) / seconds, seconds * 1000, samples))
        }
        print(String(format: "one generated one-hour old-layout session, %.2f MB", mb))
        try measure("Foundation JSONDecoder → Codable (timestamps as strings)") {
            let f = try JSONDecoder().decode(OldFile.self, from: data)
            return f.exercises.reduce(0) { $0 + ($1.samples?.heartRate?.count ?? 0) + ($1.samples?.recordedRoute?.count ?? 0) }
        }
        try measure("Foundation JSONSerialization → Any (parse only)") {
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return object?.count ?? 0
        }
        measure("polarpipe: parse, decode, timestamps, validate") { decodedCount(SessionDecoder.decode(bytes)) }
        // FIT: the same session as `generate --layout fit` writes it, and the longest real file (a 6.5 h Wahoo ride).
        let (fit, _) = SyntheticData(users: 1, sessionsPerUser: 1, seed: 7, layout: .fit).makeSession(user: 0, index: 0)
        mb = Double(fit.count) / 1e6
        print(String(format: "the same session as FIT, %.2f MB", mb))
        measure("polarpipe FIT: header, CRC, records, session, validate", rounds: 200) { decodedCount(SessionDecoder.decode(fit)) }
        let wahoo = try RealSamples.fitBytes("2019-02-17-062644-ELEMNT")
        mb = Double(wahoo.count) / 1e6
        print(String(format: "a real FIT file (Wahoo ELEMNT, 13 471 records with developer fields), %.2f MB", mb))
        measure("polarpipe FIT: header, CRC, records, session, validate", rounds: 200) { decodedCount(SessionDecoder.decode(wahoo)) }
        for layout in [SyntheticLayout.tcx, .gpx, .csv] {
            let (file, _) = SyntheticData(users: 1, sessionsPerUser: 1, seed: 7, layout: layout).makeSession(user: 0, index: 0)
            measure("polarpipe: the same session as \(layout.rawValue), \(String(format: "%.2f", Double(file.count) / 1e6)) MB",
                    megabytes: Double(file.count) / 1e6) {
                SessionDecoder.decode(file).session?.exercises.reduce(0) { $0 + $1.samples.heartRate.count } ?? 0
            }
        }
    }

    /// HR samples and route points decoded, so that the work cannot be skipped.
    static func decodedCount(_ outcome: DecodeOutcome) -> Int {
        outcome.session?.exercises.reduce(0) { $0 + $1.samples.heartRate.count + $1.samples.route.count } ?? 0
    }
}

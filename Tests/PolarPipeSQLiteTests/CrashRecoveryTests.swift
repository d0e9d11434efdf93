import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// Kills a real `polarpipe run` process with SIGKILL at many moments, runs again, and compares the database and the
/// file tree with an uninterrupted run over the same files.
@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashRecoveryTests {
    /// The `polarpipe` executable built beside the test bundle.
    static var executable: URL { PolarPipeExecutable.url }

    static func launch(_ workspace: Workspace) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--workspace", workspace.root.path, "--retries", "0", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// What must be equal: per-exercise statistics, user statistics, sample sums, file outcomes and locations.
    static func state(_ tmp: TemporaryWorkspace) async throws -> [String] {
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let unfinished = try await store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT 'runs not finished ' || COUNT(*) FROM pipeline_runs WHERE state = 'running'")
        }
        let rows = try await DatabaseSnapshot.of(store) + unfinished
        let files = tmp.files(under: tmp.workspace.root).filter { !$0.hasPrefix("polarpipe.sqlite") && !$0.hasPrefix("reports/") }
            .map { $0.replacingOccurrences(of: #"processed/\d{4}/\d{2}/"#, with: "processed/", options: .regularExpression) }
        return rows + files
    }

    @Test func killedRunsRecoverToTheSameResult() async throws {
        let data = SyntheticData(users: 3, sessionsPerUser: 4, seed: 21, durationSeconds: 600)
        let reference = try TemporaryWorkspace("crash-reference")
        defer { reference.remove() }
        try data.write(to: reference.workspace.inbox)
        try reference.drop("{\"broken\": ", at: "athlete-01/broken.json")
        let started = Date()
        let clean = try Self.launch(reference.workspace)
        clean.waitUntilExit()
        let span = Date().timeIntervalSince(started)
        #expect(clean.terminationStatus == 0)
        let expected = try await Self.state(reference)
        #expect(expected.contains("runs not finished 0"))
        #expect(expected.contains("quarantined athlete-01/broken.json"))

        var killedMidRun = 0
        for k in 0 ..< 20 {
            let tmp = try TemporaryWorkspace("crash-\(k)")
            defer { tmp.remove() }
            try data.write(to: tmp.workspace.inbox)
            try tmp.drop("{\"broken\": ", at: "athlete-01/broken.json")
            let child = try Self.launch(tmp.workspace)
            // Kill points spread over the whole span of a run, from claiming to archiving.
            try await Task.sleep(nanoseconds: UInt64(span * Double(k) / 20 * 1e9))
            if child.isRunning { killedMidRun += 1 }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let again = try Self.launch(tmp.workspace)
            again.waitUntilExit()
            #expect(again.terminationStatus == 0, "kill point \(k)")
            let state = try await Self.state(tmp)
            #expect(state == expected, "kill point \(k): \(Set(state).symmetricDifference(expected).sorted().prefix(6))")
        }
        #expect(killedMidRun >= 10)  // most kill points land inside the run (timing varies on a busy machine)
    }

    @Test func aSecondRunWhileOneIsRunningExitsAtOnceAndTouchesNothing() async throws {
        let tmp = try TemporaryWorkspace("concurrent")
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 6, seed: 22, durationSeconds: 1800).write(to: tmp.workspace.inbox)
        let first = try Self.launch(tmp.workspace)
        // Wait until the first run holds the lease and has claimed a file: it has scanned the inbox, so the file
        // dropped next is one only a second run could take.
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        func claimedAny() -> Bool {
            let files = FileManager.default.enumerator(atPath: tmp.workspace.stagingRoot.path)?.allObjects as? [String] ?? []
            return files.contains { $0.contains("/claimed/") && $0.hasSuffix(".json") }
        }
        var holding = false
        for _ in 0 ..< 400 where !holding {
            try await Task.sleep(nanoseconds: 10_000_000)
            holding = (try? await store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_lease") ?? 0 }) == 1
                && claimedAny()
        }
        #expect(holding)
        try tmp.drop("{}", at: "late/not-yet.json")
        let second = Process()
        second.executableURL = Self.executable
        second.arguments = ["run", "--workspace", tmp.workspace.root.path]
        let errors = Pipe()
        second.standardError = errors
        second.standardOutput = FileHandle.nullDevice
        let started = Date()
        try second.run()
        second.waitUntilExit()
        #expect(second.terminationStatus == 75)
        #expect(Date().timeIntervalSince(started) < 5)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("another run") && message.contains("only one run at a time"))
        #expect(FileManager.default.fileExists(atPath: tmp.workspace.inbox.appendingPathComponent("late/not-yet.json").path))
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let runs = try await store.runs(limit: 10)
        #expect(runs.count == 1 && runs.first?.state == .success)
    }
}

import ArgumentParser
import Foundation
import PolarPipeTestSupport

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic synthetic Polar files (deterministic for a seed).",
        discussion: "Writes <out>/<user-key>/training-session-….json: users × sessions files. Point --out at <workspace>/inbox to ingest them.")

    @Option(help: "Output folder (for example <workspace>/inbox).") var out: String
    @Option(help: "Number of users.") var users = 3
    @Option(help: "Sessions per user.") var sessions = 5
    @Option(help: "File layout: old (Polar Flow export, exportVersion layout).") var layout = "old"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("duration-minutes"), help: "Length of each session in minutes.") var durationMinutes = 60

    func validate() throws {
        guard layout == "old" else { throw ValidationError("--layout \(layout) is not supported yet; use old") }
        guard (1 ... 10_000).contains(users) else { throw ValidationError("--users must be between 1 and 10000") }
        guard (1 ... 100_000).contains(sessions) else { throw ValidationError("--sessions must be between 1 and 100000") }
        guard (1 ... 1440).contains(durationMinutes) else { throw ValidationError("--duration-minutes must be between 1 and 1440") }
    }

    func run() throws {
        let data = SyntheticData(users: users, sessionsPerUser: sessions, seed: seed, durationSeconds: durationMinutes * 60)
        let started = Date()
        var files = 0
        let bytes = try data.write(to: URL(fileURLWithPath: out, isDirectory: true)) { _ in files += 1 }
        print(String(format: "wrote %d files, %.1f MB, to %@ in %.1fs", files, Double(bytes) / 1e6, out, Date().timeIntervalSince(started)))
    }
}

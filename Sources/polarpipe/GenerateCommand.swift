import ArgumentParser
import Foundation
import PolarPipeTestSupport

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic synthetic Polar files (deterministic for a seed).",
        discussion: """
            Writes users × sessions training sessions under <out>/<user-key>/ in the Polar Flow export's old or new \
            layout, as AccessLink JSON, or mixed (each session picks one); or as FIT, TCX, GPX or Polar Flow CSV files. Point --out at <workspace>/inbox to ingest them.
            """)

    @Option(help: "Output folder (for example <workspace>/inbox).") var out: String
    @Option(help: "Number of users.") var users = 3
    @Option(help: "Sessions per user.") var sessions = 5
    @Option(help: "File layout: old (Polar Flow export, exportVersion), new (Polar Flow export, durationMillis), accesslink (AccessLink v3 JSON), mixed, fit (FIT activity files), tcx, gpx or csv (Polar Flow's per-session CSV).")
    var layout = "old"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("duration-minutes"), help: "Length of each session in minutes.") var durationMinutes = 60
    @Flag(help: "Pack each user's export sessions into polar-user-data-export_<uuid>.zip archives (with activity, sleep and account entries) instead of loose files.")
    var zip = false
    @Flag(name: .customLong("odd-names"), help: "Give about a third of the files names with #, %, quotes, spaces and non-ASCII letters.")
    var oddNames = false

    func validate() throws {
        guard SyntheticLayout(rawValue: layout) != nil else {
            throw ValidationError("--layout must be old, new, accesslink, mixed, fit, tcx, gpx or csv, not \(layout)")
        }
        guard (1 ... 10_000).contains(users) else { throw ValidationError("--users must be from 1 to 10000") }
        guard (1 ... 100_000).contains(sessions) else { throw ValidationError("--sessions must be from 1 to 100000") }
        guard (1 ... 1440).contains(durationMinutes) else { throw ValidationError("--duration-minutes must be from 1 to 1440") }
    }

    func run() throws {
        let data = SyntheticData(users: users, sessionsPerUser: sessions, seed: seed, durationSeconds: durationMinutes * 60,
                                 layout: SyntheticLayout(rawValue: layout) ?? .old, zip: zip, oddNames: oddNames)
        let started = Date()
        var perLayout: [SyntheticLayout: Int] = [:]
        var archives = Set<String>()
        let bytes = try data.write(to: URL(fileURLWithPath: out, isDirectory: true)) { session in
            perLayout[session.layout, default: 0] += 1
            if let archive = session.archivePath { archives.insert(archive) }
        }
        let counts = SyntheticLayout.allCases.compactMap { l in perLayout[l].map { "\(l.rawValue) \($0)" } }.joined(separator: ", ")
        let packed = archives.isEmpty ? "" : ", \(archives.count) archives"
        print(String(format: "wrote %d sessions (%@%@), %.1f MB, to %@ in %.1fs", perLayout.values.reduce(0, +), counts, packed,
                     Double(bytes) / 1e6, out, Date().timeIntervalSince(started)))
    }
}

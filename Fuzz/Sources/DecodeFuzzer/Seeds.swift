import Foundation
import PolarPipeTestSupport

/// The generated part of the seed corpus: the real sample files cut down to a few kilobytes, the hostile corpus
/// the pipeline's tests refuse, the old-layout fixtures, the new-layout oddities, a few short synthetic
/// sessions, and TCX, GPX and Polar CSV files (real, truncated, generated). (`run.sh` copies the full real files
/// when they fit the input size limit.)
enum Seeds {
    /// Inputs longer than `POLARPIPE_FUZZ_MAX_LEN` (default 1 MiB, as `run.sh`) are left out.
    static let maxBytes = ProcessInfo.processInfo.environment["POLARPIPE_FUZZ_MAX_LEN"].flatMap { Int($0) } ?? 1 << 20

    /// Writes the seeds into `folder` (created when missing); returns how many were written.
    static func write(to folder: URL) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let old = OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise], extra: OldLayoutFixtures.snapshot)
        var seeds: [(String, Data)] = try HostileCorpus.files(old: old).map { ("hostile-" + $0.name, $0.data) }
        seeds.append(("old-running.json", Data(old.utf8)))
        seeds.append(("old-multisport.json", Data(OldLayoutFixtures.session(
            exercises: [OldLayoutFixtures.runningExercise, OldLayoutFixtures.manualExercise], sessionOffset: nil).utf8)))
        seeds.append(("new-bare-nan.json", Data(NewLayoutAndFriends.bareNaN.utf8)))
        seeds.append(("new-out-of-range.json", Data(NewLayoutAndFriends.outOfRange.utf8)))
        let synthetic = SyntheticData(users: 2, sessionsPerUser: 2, seed: 7, durationSeconds: 90)
        for u in 0 ..< synthetic.users {
            for s in 0 ..< synthetic.sessionsPerUser {
                seeds.append(("synthetic-\(u)-\(s).json", Data(synthetic.makeSession(user: u, index: s).0)))
            }
        }
        for url in try RealSamples.files() {
            for keep in [3, 40] {
                if let text = ShrunkSample.text(of: [UInt8](try Data(contentsOf: url)), keep: keep) {
                    seeds.append(("shrunk\(keep)-" + url.lastPathComponent, Data(text.utf8)))
                }
            }
        }
        // TCX, GPX and Polar CSV: the real files whole and cut in half, and short generated sessions.
        for name in ["tracs__200000.tcx", "tracs__200000.csv", "tracs__100001.gpx"] {
            let bytes = try RealSamples.bytes(named: name)
            seeds.append(("real-" + name, Data(bytes)))
            seeds.append(("truncated-" + name, Data(bytes.prefix(bytes.count / 2))))
        }
        for layout in [SyntheticLayout.tcx, .gpx, .csv] {
            let data = SyntheticData(users: 1, sessionsPerUser: 1, seed: 7, durationSeconds: 60, layout: layout)
            seeds.append(("synthetic-\(layout.rawValue)", Data(data.makeSession(user: 0, index: 0).0)))
        }
        var written = 0
        for (name, data) in seeds where data.count <= maxBytes {
            try data.write(to: folder.appendingPathComponent(name))
            written += 1
        }
        return written
    }
}

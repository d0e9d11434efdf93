import Foundation
import PolarPipeTestSupport

/// The generated part of the seed corpus: the real sample files cut down to a few kilobytes, the hostile corpus
/// the pipeline's tests refuse, the old-layout fixtures, the new-layout oddities, a few short synthetic
/// sessions, and FIT, TCX, GPX and Polar CSV files (real, truncated, generated). (`run.sh` copies the full real files
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
        seeds += try fitSeeds()
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
        seeds += try gzipSeeds(seeds)
        seeds.append(("paused-temperatures.gpx", Data(pausedGPX.utf8)))
        var written = 0
        for (name, data) in seeds where data.count <= maxBytes {
            try data.write(to: folder.appendingPathComponent(name))
            written += 1
        }
        return written
    }

    /// Every FIT, TCX, GPX and CSV seed gzipped, as Strava's bulk export ships them, and one of them cut short.
    static func gzipSeeds(_ seeds: [(String, Data)]) throws -> [(String, Data)] {
        var out: [(String, Data)] = []
        for (name, data) in seeds where [".fit", ".tcx", ".gpx", ".csv"].contains(where: name.hasSuffix) && !name.contains("cut") {
            let gz = try GzipWriter.gzip([UInt8](data), name: name)
            out.append(("gz-" + name + ".gz", Data(gz)))
            if name.hasPrefix("real-") { out.append(("gz-truncated-" + name + ".gz", Data(gz.prefix(gz.count / 2)))) }
        }
        return out
    }

    /// A GPX of two segments (a pause) with Garmin's air and water temperatures under two prefixes.
    static let pausedGPX = """
        <?xml version="1.0"?><gpx version="1.1" creator="seed" xmlns="http://www.topografix.com/GPX/1/1" \
        xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" \
        xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"><trk><type>running</type><trkseg>\
        <trkpt lat="60" lon="25"><time>2024-05-01T08:00:00Z</time><extensions><gpxtpx:TrackPointExtension>\
        <gpxtpx:atemp>21</gpxtpx:atemp><gpxtpx:hr>120</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>\
        <trkpt lat="60.001" lon="25"><time>2024-05-01T08:00:30Z</time></trkpt></trkseg><trkseg>\
        <trkpt lat="60.5" lon="25"><time>2024-05-01T09:00:00Z</time><extensions><ns3:TrackPointExtension>\
        <ns3:wtemp>17.5</ns3:wtemp></ns3:TrackPointExtension></extensions></trkpt>\
        <trkpt lat="60.501" lon="25"><time>2024-05-01T09:00:30Z</time></trkpt></trkseg></trk></gpx>
        """

    /// The real FIT files, two short generated ones, a big-endian one with compressed timestamps and developer
    /// fields, and truncated copies of each (cut inside the data, inside the header, before the CRC).
    static func fitSeeds() throws -> [(String, Data)] {
        var files: [(String, [UInt8])] = try RealSamples.fitFiles().map { ($0.lastPathComponent, [UInt8](try Data(contentsOf: $0))) }
        let synthetic = SyntheticData(users: 1, sessionsPerUser: 2, seed: 7, durationSeconds: 90, layout: .fit)
        for s in 0 ..< synthetic.sessionsPerUser {
            files.append(("synthetic-\(s).fit", synthetic.makeSession(user: 0, index: s).0))
        }
        var w = FITBuilder()
        w.define(local: 0, global: 20, [.uint32(253), .uint8(3), .sint32(0), .sint32(1)], bigEndian: true, developer: [(0, 2, 0)])
        w.message(local: 0, [1_000_000_000, 150, FITBuilder.semicircles(60), FITBuilder.semicircles(25)])
        for i in 1 ..< 40 { w.compressedMessage(local: 0, timeOffset: UInt8(truncatingIfNeeded: 1_000_000_000 + i), [150, nil, nil]) }
        files.append(("big-endian-compressed.fit", w.file(dataSize: 0)))
        var seeds: [(String, Data)] = []
        for (name, bytes) in files {
            seeds.append(("fit-" + name, Data(bytes)))
            for cut in [13, bytes.count / 2, bytes.count - 2] where cut > 0 && cut < bytes.count {
                seeds.append(("fit-cut\(cut)-" + name, Data(bytes.prefix(cut))))
            }
        }
        return seeds
    }
}

import Foundation
import PolarPipeCore
import ZIPFoundation

/// A user's Polar Flow account exports as the generator writes them with `--zip`: one
/// `polar-user-data-export_<uuid>.zip` per export layout (an account exported once in 2025 and once in 2026 has
/// one archive of each), flat, holding the training sessions plus non-session entries the pipeline must skip
/// (`account-data-…`, `account-profile-…`, `activity-…`, `sleep_result_…`). Entry dates come from the sessions, so
/// the same seed gives the same archive bytes.
struct ExportArchives {
    let folder: URL
    let user: Int
    let seed: UInt64
    private var open: [(layout: SyntheticLayout, name: String, archive: Archive, firstMillis: Int64)] = []

    init(folder: URL, user: Int, seed: UInt64) {
        self.folder = folder
        self.user = user
        self.seed = seed
    }

    /// Adds one session entry; returns the archive's file name.
    mutating func add(_ entry: String, _ bytes: [UInt8], layout: SyntheticLayout, localMillis: Int64) throws -> String {
        let slot: Int
        if let i = open.firstIndex(where: { $0.layout == layout }) {
            slot = i
        } else {
            var rng = SeededRandom(seed: seed &* 4_000_037 &+ UInt64(user) &* 40_009 &+ (layout == .old ? 1 : 2))
            let name = "polar-user-data-export_\(SyntheticIDs.uuidLike(&rng)).zip"
            let url = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: url)
            let archive = try Archive(url: url, accessMode: .create)
            open.append((layout, name, archive, localMillis))
            slot = open.count - 1
        }
        try Self.addEntry(open[slot].archive, entry, Data(bytes), localMillis: localMillis)
        return open[slot].name
    }

    /// Adds the non-session entries to every archive and closes them; returns the archives' total size in bytes.
    mutating func finish() throws -> Int {
        let names = open.map(\.name)
        for (layout, _, archive, firstMillis) in open {
            let userID = 60_000_000 + user
            var rng = SeededRandom(seed: seed &+ UInt64(user) &* 50_021 &+ (layout == .old ? 7 : 8))
            let day = PolarTime.format(millis: firstMillis).prefix(10)
            let entries: [(String, String)] = [
                ("account-data-\(userID)-\(SyntheticIDs.uuidLike(&rng)).json",
                 "{\"exportVersion\":\"2.6\",\"username\":\"athlete\(user + 1)@example.org\",\"firstName\":\"Athlete\",\"lastName\":\"\(user + 1)\"}"),
                ("account-profile-\(userID)-\(SyntheticIDs.uuidLike(&rng)).json",
                 "{\"exportVersion\":\"2.6\",\"sex\":\"\(user % 2 == 0 ? "MALE" : "FEMALE")\",\"trainingBackground\":\"FREQUENT\"}"),
                ("activity-\(day)-\(SyntheticIDs.uuidLike(&rng)).json",
                 "{\"exportVersion\":\"2.6\",\"date\":\"\(day)\",\"summary\":{\"startTime\":\"00:00:00.000\",\"stepCount\":\(6000 + rng.below(8000)),\"calories\":\(1800 + rng.below(900))},\"samples\":{\"mets\":[{\"localTime\":\"00:00:30.000\",\"value\":0.9}],\"steps\":[{\"localTime\":\"00:01:00.000\",\"value\":0}]}}"),
                ("sleep_result_\(userID)_\(day).json",
                 "{\"night\":\"\(day)\",\"sleepDuration\":\"PT\(25_000 + rng.below(6000))S\",\"sleepScore\":\(60 + rng.below(35))}"),
            ]
            for (entry, text) in entries {
                try Self.addEntry(archive, entry, Data(text.utf8), localMillis: firstMillis)
            }
        }
        open.removeAll()  // closes the archives, so their sizes are final
        return names.reduce(0) { $0 + Int(FileMoves.size(folder.appendingPathComponent($1))) }
    }

    static func addEntry(_ archive: Archive, _ path: String, _ data: Data, localMillis: Int64) throws {
        let date = Date(timeIntervalSince1970: Double(localMillis / 1000))
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date,
                             compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position) ..< Int(position) + size)
        }
    }
}

/// File names a person's copies and renames produce: `#`, `%`, quotes, spaces and non-ASCII letters, kept before
/// the `.json` (and after the `training-session` prefix that archives are scanned for).
enum OddNames {
    static let pieces = [" (1)", " #2", " 100%", "%20", " 'copy'", " \"quoted\"", " Läufe", " 跑步", " e\u{301}té", " 🏃", " & more"]

    /// `name` unchanged for about two files in three; otherwise with two odd pieces before its extension.
    static func decorate(_ name: String, rng: inout SeededRandom) -> String {
        guard rng.unit() < 1.0 / 3, name.hasSuffix(".json") else { return name }
        let stem = name.dropLast(5)
        return stem + pieces[rng.below(pieces.count)] + pieces[rng.below(pieces.count)] + ".json"
    }
}

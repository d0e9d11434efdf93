import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
import ZIPFoundation
@testable import PolarPipeSQLite

/// A Polar account export as a user drops it: unzipped into a user folder, or as the zip, with real and generated
/// training sessions among the export's other files (activity, sleep, recovery, tests, account, …). Every session
/// loads, every other file is `skipped` with its kind, nothing is quarantined, and dropping it again changes nothing
/// but one `duplicate` row per file dropped.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExportFolderTests {
    /// The kind each hand-written export part must be skipped as, by the start of its name.
    static let kinds: [(prefix: String, kind: String)] = [
        ("activity-", "activity"), ("sleep_result_", "sleep-result"), ("sleep_score_", "sleep-score"),
        ("sleep_wake_", "sleep-wake"), ("nightly_recovery_", "nightly-recovery"), ("247ohr_", "247-heart-rate"),
        ("ppi_samples_", "ppi-samples"), ("generic-period-", "generic-period"), ("orthostatic-test-result-", "orthostatic-test"),
        ("fitness-test-results-", "fitness-test"), ("planned-route-", "planned-route"), ("training-target-", "training-target"),
        ("favourite-targets-", "favourites"), ("programs-", "program"), ("account-", "account"),
        ("calendar-items-", "calendar"), ("sport-profiles-", "sport-profiles"), ("products-devices-", "devices"),
    ]

    static func expectedKind(_ name: String) -> String? { kinds.first { name.hasPrefix($0.prefix) }?.kind }

    /// The export's files: (name, bytes, exercises it holds; 0 for a non-session file).
    static func exportFiles() throws -> [(name: String, data: Data, exercises: Int)] {
        var files: [(String, Data, Int)] = []
        for url in try RealSamples.files() where url.lastPathComponent.hasPrefix("leewc__") {
            files.append((String(url.lastPathComponent.dropFirst("leewc__".count)), try Data(contentsOf: url), 1))
        }
        let generated = SyntheticData(users: 1, sessionsPerUser: 4, seed: 314, durationSeconds: 600)
        for s in 0 ..< 4 {
            let (bytes, session) = generated.makeSession(user: 0, index: s, layout: s % 2 == 0 ? .old : .new)
            // One session carries a name of another kind: its content decides.
            let name = s == 3 ? "activity-2026-01-09-renamed-session.json" : session.relativePath
            files.append((name, Data(bytes), session.exercises.count))
        }
        for url in try ExportParts.files() { files.append((url.lastPathComponent, try Data(contentsOf: url), 0)) }
        return files
    }

    static func statusCounts(_ store: SQLiteStore) async throws -> [String: Int] {
        try await store.queue.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM ingested_files GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            return counts
        }
    }

    @Test func anUnzippedExportLoadsEverySessionSkipsEveryOtherFileByKindAndADropAgainAddsOnlyDuplicates() async throws {
        let tmp = try TemporaryWorkspace("export-folder")
        defer { tmp.remove() }
        let files = try Self.exportFiles()
        let parts = files.filter { $0.exercises == 0 }
        #expect(parts.count >= 18 && Set(parts.compactMap { Self.expectedKind($0.name) }).count == Self.kinds.count)
        for file in files { try tmp.drop(file.data, at: "ann/polar-user-data-export/" + file.name) }
        // A copy made by the file manager, and a broken file that claims to be a session.
        let activity = try #require(parts.first { $0.name.hasPrefix("activity-") })
        try tmp.drop(activity.data, at: "ann/polar-user-data-export/" + activity.name.dropLast(5) + " (2).json")
        try tmp.drop(Data("{\"exportVersion\": \"2.6\", \"exercises\": [".utf8), at: "ann/training-session-2026-02-01-1-broken.json")

        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let first = try await makeRunner(tmp, store).run(runID: "export-1").outcome
        #expect(first.state == .success, "\(first)")
        let rows = try await store.files(runID: "export-1")
        #expect(rows.count == files.count + 2)
        for file in files where file.name != activity.name {
            let row = try #require(rows.first { $0.originalPath == "ann/polar-user-data-export/" + file.name }, "\(file.name)")
            if file.exercises > 0 {
                #expect(row.status == .loaded, "\(file.name): \(row.state) \(row.reason ?? "")")
            } else {
                #expect(row.state == .skipped && row.reason == Self.expectedKind(file.name), "\(file.name): \(row.state) \(row.reason ?? "")")
            }
        }
        // The activity file and its copy: whichever comes first is skipped, the other is its duplicate.
        let pair = rows.filter { $0.originalPath.contains("/" + activity.name.dropLast(5)) }
        #expect(pair.count == 2 && Set(pair.map(\.state)) == [.skipped, .duplicate])
        #expect(pair.map(\.reason).contains("activity") && pair.map(\.reason).contains("same bytes as a file of this run"))
        let broken = try #require(rows.first { $0.originalPath.hasSuffix("-broken.json") })
        #expect(broken.state == .quarantined && broken.reason == "invalid-json")
        #expect(tmp.files(under: tmp.workspace.quarantine).filter { !$0.hasSuffix(".reason.json") }
                == ["quarantine/ann/training-session-2026-02-01-1-broken.json"])
        let exercises = files.reduce(0) { $0 + $1.exercises }
        #expect(try await LedgerTests.exerciseCount(store) == exercises)
        // Skipped files are archived like loaded ones: the inbox ends empty.
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
        #expect(tmp.files(under: tmp.workspace.processed).count == files.count + 1)
        // The import report: in the ledger, in `runs show` (text and JSON) and on the dashboard.
        let report = try await ImportReport.load(runID: "export-1", store: store)
        let ann = try #require(report.users.first)
        #expect(report.users.map(\.user_key) == ["ann"])
        #expect(ann.loaded == files.count - parts.count && ann.duplicates == 1 && ann.pending == 0)
        #expect(ann.skipped["generic-period"] == 2 && ann.skipped["account"] == 2 && ann.skipped["activity"] == 1)
        #expect(ann.skippedCount == parts.count && ann.quarantined == ["invalid-json": 1])
        #expect(ann.quarantined_files == [ImportReport.QuarantinedFile(
            file: "ann/training-session-2026-02-01-1-broken.json", reason: "invalid-json",
            path: "quarantine/ann/training-session-2026-02-01-1-broken.json")])
        let shown = try PolarPipeExecutable.run(["runs", "show", "export-1", "--workspace", tmp.workspace.root.path])
        #expect(shown.status == 0)
        #expect(shown.output.contains("  ann: \(ann.loaded) loaded, 1 duplicate, \(parts.count) skipped (247-heart-rate 1, account 2, activity 1,"),
                "\(shown.output)")
        #expect(shown.output.contains("1 quarantined (invalid-json 1)"))
        #expect(shown.output.contains("    quarantined ann/training-session-2026-02-01-1-broken.json: invalid-json (quarantine/ann/"))
        let json = try PolarPipeExecutable.run(["runs", "show", "export-1", "--json", "--workspace", tmp.workspace.root.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let total = try #require((object["import"] as? [String: Any])?["total"] as? [String: Any])
        #expect(total["loaded"] as? Int == ann.loaded && (total["skipped"] as? [String: Int])?["training-target"] == 1)
        let index = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("<h2>Latest imports</h2><h3>Run export-1</h3>"))
        #expect(index.contains("<td>ann</td><td class=\"n\">\(ann.loaded)</td><td class=\"n\">1</td>"))
        #expect(index.contains(">1 (invalid-json 1)</span></td><td><span style=\"display:inline-block;min-width:16em;white-space:normal;overflow-wrap:break-word\">\(parts.count) (247-heart-rate 1, account 2,"))
        #expect(index.contains(">ann/training-session-2026-02-01-1-broken.json</span></td><td>invalid-json</td>"))

        let before = try await Self.statusCounts(store)
        #expect(before == ["loaded": files.count - parts.count, "skipped": parts.count, "duplicate": 1, "quarantined": 1])

        // The same export dropped again: one duplicate row a file, nothing loaded, skipped or quarantined anew.
        for file in files { try tmp.drop(file.data, at: "ann/polar-user-data-export/" + file.name) }
        let second = try await makeRunner(tmp, store).run(runID: "export-2").outcome
        #expect(second.state == .success, "\(second)")
        let again = try await store.files(runID: "export-2")
        #expect(again.count == files.count && again.allSatisfy { $0.state == .duplicate })
        #expect(Set(again.compactMap(\.reason)) == ["same bytes as an ingested file", "same bytes as a skipped file"])
        #expect(again.filter { $0.reason == "same bytes as a skipped file" }.count == parts.count)
        var after = before
        after["duplicate", default: 0] += files.count
        #expect(try await Self.statusCounts(store) == after)
        #expect(try await LedgerTests.exerciseCount(store) == exercises)
        #expect(tmp.files(under: tmp.workspace.inbox).isEmpty)
    }

    @Test func theSameExportAsAZipRecordsEachEntryOnceWithItsKind() async throws {
        let tmp = try TemporaryWorkspace("export-zip")
        defer { tmp.remove() }
        let files = try Self.exportFiles()
        let zipURL = tmp.workspace.inbox.appendingPathComponent("bea/polar-user-data-export_5e1d.zip")
        try FileManager.default.createDirectory(at: zipURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let archive = try Archive(url: zipURL, accessMode: .create)
        for file in files {
            try archive.addEntry(with: file.name, type: .file, uncompressedSize: Int64(file.data.count), compressionMethod: .deflate) {
                position, size in file.data.subdata(in: Int(position) ..< Int(position) + size)
            }
        }
        let zipBytes = try Data(contentsOf: zipURL)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let first = try await makeRunner(tmp, store).run(runID: "zip-1").outcome
        #expect(first.state == .success, "\(first)")
        let rows = try await store.files(runID: "zip-1")
        let zipRow = try #require(rows.first { $0.entryName == nil })
        let sessions = files.filter { $0.exercises > 0 }.count
        #expect(zipRow.status == .loaded && zipRow.reason == "zip: \(sessions) training sessions, \(files.count - sessions) other entries skipped")
        for file in files {
            let row = try #require(rows.first { $0.entryName == file.name }, "\(file.name)")
            if file.exercises > 0 {
                #expect(row.status == .loaded, "\(file.name): \(row.state) \(row.reason ?? "")")
            } else {
                #expect(row.state == .skipped && row.reason == Self.expectedKind(file.name) && !row.sha256.isEmpty, "\(file.name)")
            }
        }
        #expect(tmp.files(under: tmp.workspace.quarantine).isEmpty)

        // Dropped again under another name: one duplicate row, for the zip; its entries are not read again.
        try zipBytes.write(to: tmp.workspace.inbox.appendingPathComponent("bea/polar-user-data-export_5e1d (2).zip"))
        let second = try await makeRunner(tmp, store).run(runID: "zip-2").outcome
        #expect(second.state == .success, "\(second)")
        #expect(try await store.files(runID: "zip-2").map(\.state) == [.duplicate])
        #expect(try await Self.statusCounts(store) == ["loaded": sessions + 1, "skipped": files.count - sessions, "duplicate": 1])
    }
}

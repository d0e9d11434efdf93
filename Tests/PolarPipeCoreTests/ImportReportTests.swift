import Testing
@testable import PolarPipeCore

/// The import report from ledger rows: per user, loaded, duplicates, skipped by kind and quarantined by reason; a zip
/// that was read counts through its entries, a zip refused or dropped again as a whole counts as one file.
@Suite struct ImportReportTests {
    static func row(_ id: Int64, _ user: String, _ state: FileState, _ reason: String? = nil, entry: String? = nil,
                    parent: Int64? = nil, path: String = "p") -> FileRecord {
        FileRecord(id: id, sha256: "s\(id)", path: path, originalPath: "\(user)/f\(parent ?? id).json", entryName: entry,
                   parentID: parent, userKey: user, userID: nil, runID: "r", state: state, reason: reason, layout: nil,
                   bytes: 10, stagedPath: nil)
    }

    @Test func countsEachUsersFilesByOutcomeAndNamesTheQuarantinedOnes() {
        let rows = [
            Self.row(1, "bea", .skipped, "sleep-result"),
            Self.row(2, "ann", .archived),
            Self.row(3, "ann", .archived, "zip: 2 training sessions, 1 other entries skipped"),  // read: its entries count
            Self.row(4, "ann", .archived, entry: "training-session-1.json", parent: 3),
            Self.row(5, "ann", .skipped, "activity", entry: "activity-1.json", parent: 3),
            Self.row(6, "ann", .quarantined, "invalid-json", entry: "training-session-2.json", parent: 3, path: "quarantine/ann/x/t2.json"),
            Self.row(7, "ann", .duplicate, "same bytes as an ingested file"),
            Self.row(8, "ann", .quarantined, "zip-bomb", path: "quarantine/ann/bomb.zip"),  // refused whole: one file
            Self.row(9, "ann", .duplicate, "same bytes as an ingested file"),  // a zip dropped again
            Self.row(10, "ann", .claimed),
            Self.row(11, "bea", .skipped, "sleep-result"),
            Self.row(12, "bea", .skipped, "247-heart-rate"),
        ]
        let report = ImportReport(runID: "r", files: rows)
        #expect(report.users.map(\.user_key) == ["ann", "bea"])
        let ann = report.users[0]
        #expect(ann.loaded == 2 && ann.duplicates == 2 && ann.pending == 1)
        #expect(ann.skipped == ["activity": 1] && ann.quarantined == ["invalid-json": 1, "zip-bomb": 1])
        #expect(ann.files == 8)
        #expect(ann.quarantined_files.map(\.file) == ["ann/f3.json: training-session-2.json", "ann/f8.json"])
        #expect(report.users[1].skipped == ["sleep-result": 2, "247-heart-rate": 1] && report.users[1].files == 3)
        #expect(report.total.files == 11 && report.total.skippedCount == 4)
        #expect(report.lines == [
            "ann: 2 loaded, 2 duplicates, 1 skipped (activity 1), 2 quarantined (invalid-json 1, zip-bomb 1), 1 pending",
            "bea: 0 loaded, 0 duplicates, 3 skipped (247-heart-rate 1, sleep-result 2), 0 quarantined",
            "  quarantined ann/f3.json: training-session-2.json: invalid-json (quarantine/ann/x/t2.json)",
            "  quarantined ann/f8.json: zip-bomb (quarantine/ann/bomb.zip)",
        ])
        #expect(ImportReport(runID: "empty", files: []).lines == ["no files in this run"])
    }

    @Test func aFileThatReplacedAPoorerCopyIsSaidSo() {
        let report = ImportReport(runID: "r", files: [
            Self.row(1, "ann", .archived, "richer-copy: replaced 1 exercise(s) of a poorer copy"),
            Self.row(2, "ann", .archived),
        ])
        #expect(report.users[0].loaded == 2 && report.users[0].richer_copies == 1 && report.total.richer_copies == 1)
        #expect(report.lines == ["ann: 2 loaded, 0 duplicates, 0 skipped, 0 quarantined, 1 replaced a poorer copy"])
    }

    @Test func theDashboardSectionEscapesNamesAndExplainsAnEmptyHistory() {
        let report = ImportReport(runID: "r<1>", files: [Self.row(1, "ann", .quarantined, "invalid-json", path: "quarantine/ann/<b>.json")])
        let html = ImportReportHTML.section([report])
        #expect(html.contains("<h3>Run r&lt;1&gt;</h3>") && html.contains(">quarantine/ann/&lt;b&gt;.json</span></td>"))
        #expect(!html.contains("<b>"))
        #expect(ImportReportHTML.section([]).contains("No files imported yet"))
    }
}

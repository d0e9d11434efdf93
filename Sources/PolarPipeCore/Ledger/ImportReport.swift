/// What a run did with the files it was given, per user, from the ledger: loaded, duplicates, skipped by kind,
/// quarantined by reason, with the quarantined files named. A zip that was read counts through its entries (the
/// archive itself is no file of the user's); a zip refused or dropped again as a whole counts as one file.
public struct ImportReport: Sendable, Equatable, Encodable {
    /// One quarantined file: its inbox name (`ann/export.zip: training-session-1.json`), its reason, where it lies.
    public struct QuarantinedFile: Sendable, Equatable, Encodable {
        public var file: String
        public var reason: String
        public var path: String
        public init(file: String, reason: String, path: String) {
            self.file = file
            self.reason = reason
            self.path = path
        }
    }

    /// The counts of one user's files in the run.
    public struct User: Sendable, Equatable, Encodable {
        public var user_key: String
        public var loaded = 0
        /// Loaded files that replaced a poorer copy of their session stored before (`DuplicateExercise`).
        public var richer_copies = 0
        public var duplicates = 0
        /// Files still held by the run (it has not finished them).
        public var pending = 0
        /// Skipped files by kind (`activity`, `sleep-result`, …).
        public var skipped: [String: Int] = [:]
        /// Quarantined files by reason (`invalid-json`, `unknown-layout`, …).
        public var quarantined: [String: Int] = [:]
        public var quarantined_files: [QuarantinedFile] = []

        public var files: Int { loaded + duplicates + pending + skippedCount + quarantinedCount }
        public var skippedCount: Int { skipped.values.reduce(0, +) }
        public var quarantinedCount: Int { quarantined.values.reduce(0, +) }
    }

    public var run_id: String
    /// Users in key order.
    public var users: [User]

    /// All users together (the quarantined files of every user, in order).
    public var total: User {
        var sum = User(user_key: "")
        for u in users {
            sum.loaded += u.loaded
            sum.richer_copies += u.richer_copies
            sum.duplicates += u.duplicates
            sum.pending += u.pending
            sum.skipped.merge(u.skipped, uniquingKeysWith: +)
            sum.quarantined.merge(u.quarantined, uniquingKeysWith: +)
            sum.quarantined_files += u.quarantined_files
        }
        return sum
    }

    /// The report of `files`, the ledger rows of run `runID`.
    public init(runID: String, files: [FileRecord]) {
        var report = ImportReport(runID: runID)
        report.add(files, archives: Set(files.compactMap(\.parentID)))
        self = report
    }

    /// An empty report of run `runID`, for `add`.
    public init(runID: String) {
        run_id = runID
        users = []
    }

    /// Ledger rows of the run (not encoded): every row, zips and entries alike.
    public private(set) var rows = 0
    /// Bytes of the run's files on disk (zips counted once, not through their entries; not encoded).
    public private(set) var bytesOnDisk: Int64 = 0

    /// Counts `files`, some of the run's rows; `archives` are the ids of its rows that have entries in the run
    /// (`LedgerStore.archiveIDs`), which count through those entries.
    public mutating func add(_ files: [FileRecord], archives: Set<Int64>) {
        var byUser = Dictionary(uniqueKeysWithValues: users.map { ($0.user_key, $0) })
        for row in files {
            rows += 1
            if row.isOnDisk { bytesOnDisk += row.bytes }
            let readArchive = archives.contains(row.id) || (row.reason?.hasPrefix("zip: ") == true && row.status != .duplicate)
            if readArchive && row.status != .quarantined { continue }
            var user = byUser[row.userKey] ?? User(user_key: row.userKey)
            switch row.status {
            case .loaded:
                user.loaded += 1
                if row.reason?.hasPrefix(Self.richerCopyReason) == true { user.richer_copies += 1 }
            case .duplicate: user.duplicates += 1
            case .pending: user.pending += 1
            case .skipped: user.skipped[row.reason ?? "unknown", default: 0] += 1
            case .quarantined:
                let reason = row.reason ?? "unknown"
                user.quarantined[reason, default: 0] += 1
                user.quarantined_files.append(QuarantinedFile(file: row.displayName, reason: reason, path: row.path))
            }
            byUser[row.userKey] = user
        }
        users = byUser.keys.sorted().compactMap { byUser[$0] }
    }

    enum CodingKeys: String, CodingKey { case run_id, users, total }

    /// `run_id`, `users` and their `total` (its `user_key` empty).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run_id, forKey: .run_id)
        try c.encode(users, forKey: .users)
        try c.encode(total, forKey: .total)
    }

    /// The reason a loaded file's row carries when its exercises replaced a poorer copy of the same session.
    public static let richerCopyReason = "richer-copy"

    /// The report of run `runID`, read from the ledger.
    public static func load(runID: String, store: some LedgerStore) async throws -> ImportReport {
        var report = ImportReport(runID: runID)
        let archives = try await store.archiveIDs(runID: runID)
        try await store.forEachFilePage(runID: runID) { report.add($0, archives: archives) }
        return report
    }

    /// Plain-text lines for a terminal: one line per user, then the quarantined files.
    public var lines: [String] {
        guard !users.isEmpty else { return ["no files in this run"] }
        var out: [String] = []
        for u in users {
            var parts = ["\(u.loaded) loaded", "\(u.duplicates) duplicate\(u.duplicates == 1 ? "" : "s")"]
            parts.append("\(u.skippedCount) skipped" + Self.breakdown(u.skipped))
            parts.append("\(u.quarantinedCount) quarantined" + Self.breakdown(u.quarantined))
            if u.richer_copies > 0 { parts.append("\(u.richer_copies) replaced a poorer copy") }
            if u.pending > 0 { parts.append("\(u.pending) pending") }
            out.append("\(u.user_key): " + parts.joined(separator: ", "))
        }
        for q in total.quarantined_files { out.append("  quarantined \(q.file): \(q.reason) (\(q.path))") }
        return out
    }

    /// ` (activity 3, sleep-result 1)`, or nothing for no counts.
    static func breakdown(_ counts: [String: Int]) -> String {
        guard !counts.isEmpty else { return "" }
        return " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }
}

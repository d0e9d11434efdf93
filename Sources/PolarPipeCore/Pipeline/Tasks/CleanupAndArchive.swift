import Foundation

/// `cleanup_and_archive`: move each processed file of the run from `staging/<run-id>/claimed/` to
/// `processed/YYYY/MM/<user-key>/` (year and month of the run), then delete `staging/<run-id>/`. The run summary and
/// run state are written by the runner when the run ends.
///
/// Idempotent and crash-safe: a file's row is pointed at its destination before the file is moved, and a file still
/// in `claimed/` is moved to the destination its row names; a claimed file that no row accounts for is given back
/// to the inbox, never deleted.
enum CleanupAndArchive {
    /// Files whose rows are updated in one transaction before they are moved.
    static let chunkSize = 64

    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let ws = ctx.workspace
        let fm = FileManager.default
        let files = try await ctx.store.files(runID: ctx.runID)
        let runStart = try await ctx.store.run(ctx.runID)?.startedAt ?? ctx.now()
        let (year, month, _) = PolarTime.civilFromDays(Int(runStart / 86_400_000))
        let folder = ws.processed.appendingPathComponent(String(format: "%04d/%02d", year, month), isDirectory: true)
        let claimed = ws.claimed(ctx.runID)
        var archived = 0
        // Rows of zip entries share their archive's file (original path `<zip>#<entry>`): move each file once.
        let byFile = Dictionary(grouping: files.filter { $0.status != .quarantined }) { before($0.originalPath) }
        // A chunk of files at a time: their rows in one transaction, then the moves.
        var moves: [(source: URL, destination: URL)] = []
        var updates: [FileUpdate] = []
        var taken = Set<String>()
        func flush() async throws {
            try await ctx.store.updateFiles(updates)
            for move in moves { try FileMoves.move(move.source, to: move.destination) }
            archived += moves.count
            moves.removeAll()
            updates.removeAll()
        }
        for (original, rows) in byFile.sorted(by: { $0.key < $1.key }) {
            try Task.checkCancellation()
            let source = claimed.appendingPathComponent(original)
            let recorded = rows.map { before($0.path) }.first { $0.hasPrefix("processed/") }
            guard fm.fileExists(atPath: source.path) || FileMoves.isSymlink(source) else {
                // Already archived by an earlier try, or lost: only the former is acceptable.
                guard let recorded, fm.fileExists(atPath: ws.url(recorded).path) else {
                    throw PipelineError.missingInput("claimed file \(original) is neither in staging nor archived")
                }
                continue
            }
            let parts = original.split(separator: "/", maxSplits: 1)
            let rest = parts.count == 2 ? String(parts[1]) : original
            let destination = recorded.map(ws.url) ?? FileMoves.uniqueDestination(
                folder.appendingPathComponent(rows[0].userKey).appendingPathComponent(rest), avoiding: taken)
            taken.insert(destination.path)
            for row in rows {
                let suffix = row.originalPath.contains("#") ? "#" + after(row.originalPath) : ""
                updates.append(FileUpdate(id: row.id, status: row.status == .pending ? .loaded : row.status,
                                          path: ws.relative(destination) + suffix, reason: row.reason))
            }
            moves.append((source, destination))
            if moves.count == chunkSize { try await flush() }
        }
        try await flush()
        // A refused file whose move to quarantine was interrupted.
        for row in files where row.status == .quarantined && !row.originalPath.contains("#") {
            let source = claimed.appendingPathComponent(row.originalPath)
            if fm.fileExists(atPath: source.path) || FileMoves.isSymlink(source) {
                try FileMoves.move(source, to: ws.url(row.path))
            }
        }
        try returnLeftovers(claimed, to: ws.inbox)
        let staging = ws.staging(ctx.runID)
        if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
        StagedSession.headers.removeAll(under: staging.path)
        return TaskOutput(["archived": archived], nothingToDo: files.isEmpty)
    }

    /// Moves every file still under `claimed` back to the inbox (same relative path) so nothing is deleted with the
    /// staging folder; the next run claims it again.
    static func returnLeftovers(_ claimed: URL, to inbox: URL) throws {
        for item in InboxScanner.scan(claimed, settleSeconds: 0) {
            try FileMoves.move(item.url, to: inbox.appendingPathComponent(item.relativePath))
        }
    }

    static func before(_ path: String) -> String { String(path.split(separator: "#", maxSplits: 1).first ?? "") }
    static func after(_ path: String) -> String {
        path.split(separator: "#", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
    }
}

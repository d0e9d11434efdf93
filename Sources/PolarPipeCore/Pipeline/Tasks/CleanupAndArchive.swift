import Foundation

/// `cleanup_and_archive`: move each processed file of the run from `staging/<run-id>/claimed/` to
/// `processed/YYYY/MM/<user-key>/` (year and month of the run), then delete `staging/<run-id>/`. The run summary and
/// run state are written by the runner when the run ends.
///
/// Works from the ledger only: a file's staged location is derived from its row id, its destination is recorded on
/// its row (and its zip entries' rows) before it is moved, so a retry moves what is left to the same place. A zip the
/// batch could not finish (`partial`) and a claim never processed go back to the inbox; a file in `claimed/` that no
/// row accounts for goes back too — nothing is deleted with the staging folder but derived files.
enum CleanupAndArchive {
    /// Files whose rows are updated in one transaction before they are moved.
    static let chunkSize = 64

    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let ws = ctx.workspace
        let runStart = try await ctx.store.run(ctx.runID)?.startedAt ?? ctx.now()
        let (year, month, _) = PolarTime.civilFromDays(Int(runStart / 86_400_000))
        let folder = ws.processed.appendingPathComponent(String(format: "%04d/%02d", year, month), isDirectory: true)
        var archived = 0, returned = 0, rows = 0
        var moves: [(source: URL, destination: URL)] = []
        var updates: [FileUpdate] = []
        var taken = Set<String>()
        // A chunk of files at a time: their rows in one transaction, then the moves.
        func flush() async throws {
            try await ctx.store.updateFiles(updates)
            for move in moves { try FileMoves.move(move.source, to: move.destination) }
            archived += moves.count
            moves.removeAll()
            updates.removeAll()
            taken.removeAll()  // moved: the destinations are taken on disk now
        }
        // The ledger a page at a time, so memory follows the page, not the batch.
        try await ctx.store.forEachFilePage(runID: ctx.runID) { page in
            rows += page.count
            for row in page where row.isOnDisk {
                try Task.checkCancellation()
                let source = ws.claimedFile(ctx.runID, id: row.id, originalPath: row.originalPath)
                let present = exists(source)
                switch row.state {
                case .quarantined:
                    // Its row names its place in quarantine; the move was interrupted.
                    if present { try FileMoves.move(source, to: ws.url(row.path)) }
                case .claimed, .partial:
                    // Not finished by this run: back to the inbox, where the next run claims it again (a partial zip goes
                    // on at its next entry).
                    var back = ws.url(row.path)
                    if present {
                        back = FileMoves.uniqueDestination(ws.inbox.appendingPathComponent(row.originalPath))
                        guard Workspace.contains(ws.inbox, back) else { throw PipelineError.missingInput("no inbox place for \(row.displayName)") }
                        try FileMoves.move(source, to: back)
                        returned += 1
                    }
                    if row.state == .claimed {
                        try await ctx.store.forgetClaims([row.id])
                    } else {
                        try await ctx.store.updateFile(FileUpdate(id: row.id, state: .partial, path: ws.relative(back)))
                    }
                case .validated, .loaded, .archived, .duplicate, .skipped:
                    let decided = row.path.hasPrefix("processed/") ? ws.url(row.path) : nil
                    guard present else {
                        // Archived by an earlier try, or lost: only the former is acceptable.
                        guard let decided, exists(decided) else {
                            throw PipelineError.missingInput("claimed file \(row.displayName) is neither in staging nor archived")
                        }
                        continue
                    }
                    let destination = decided ?? FileMoves.uniqueDestination(
                        folder.appendingPathComponent(row.userKey).appendingPathComponent(belowUser(row)), avoiding: taken)
                    guard Workspace.contains(ws.processed, destination) else {
                        throw PipelineError.missingInput("archive destination of \(row.displayName) is outside processed/")
                    }
                    taken.insert(destination.path)
                    let path = ws.relative(destination)
                    updates.append(FileUpdate(id: row.id, state: archivedState(row.state), path: path))
                    // The entries of a zip live in it: they move with it (those of earlier runs, for a zip spread over runs).
                    // (A file with a staged session is a plain file: it has no entries, and is not asked for them.)
                    for entry in try await row.stagedPath == nil ? ctx.store.entries(ofArchive: row.id) : [] where entry.state != .quarantined {
                        updates.append(FileUpdate(id: entry.id, state: archivedState(entry.state), path: path))
                    }
                    moves.append((source, destination))
                    if moves.count >= chunkSize { try await flush() }
                }
            }
            try await flush()
        }
        returned += try await returnLeftovers(ctx)
        let staging = ws.staging(ctx.runID)
        guard Workspace.contains(ws.stagingRoot, staging) else {
            throw PipelineError.missingInput("the staging folder of run \(ctx.runID) is outside staging/")
        }
        if FileManager.default.fileExists(atPath: staging.path) { try FileManager.default.removeItem(at: staging) }
        StagedSession.headers.removeAll(under: staging.path)
        return TaskOutput(["archived": archived, "returned_to_inbox": returned], nothingToDo: rows == 0)
    }

    /// Where a loaded file ends: `archived`; duplicates and skipped files keep their state (their row says why).
    static func archivedState(_ state: FileState) -> FileState {
        state == .validated || state == .loaded ? .archived : state
    }

    /// The file's inbox path below its user folder (`ann/2024/run.json` → `2024/run.json`): only a destination name.
    static func belowUser(_ row: FileRecord) -> String {
        let parts = row.originalPath.split(separator: "/", maxSplits: 1)
        return parts.count == 2 && String(parts[0]) == row.userKey ? String(parts[1]) : row.originalPath
    }

    /// Moves every file still under `claimed/` (none, unless a crash came between a rename and its row) back to the
    /// inbox path of the row its id-derived name names, or to `quarantine/unaccounted/` when no row does: nothing is
    /// deleted with the staging folder.
    static func returnLeftovers(_ ctx: PipelineContext) async throws -> Int {
        let ws = ctx.workspace
        var count = 0
        for item in InboxScanner.scan(ws.claimed(ctx.runID), settleSeconds: 0) {
            let id = Int64(item.relativePath.prefix { $0.isASCII && $0.isNumber }.prefix(18))
            var destination = ws.quarantine.appendingPathComponent("unaccounted").appendingPathComponent(item.relativePath)
            if let id, let row = try await ctx.store.file(id: id), row.isOnDisk {
                destination = ws.inbox.appendingPathComponent(row.originalPath)
            }
            guard Workspace.contains(ws.root, destination) else { continue }
            try FileMoves.move(item.url, to: destination)
            count += 1
        }
        return count
    }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) || FileMoves.isSymlink(url) }
}

import Crypto
import Foundation
import ZIPFoundation

/// `validate_json_files`: claim settled inbox files for this run, decode and validate each once, stage the
/// decoded form, and quarantine what is bad. Output: the valid files, as `validated` rows of the ledger.
///
/// Claiming writes the file's ledger row first (`claimed`), then renames the file to
/// `staging/<run-id>/claimed/<row id>`. A retried or resumed try first finishes the claims it already made (a claim
/// interrupted before its rename is completed or forgotten), then claims more, so the task is idempotent. A file
/// that was being decoded when a process died is decoded alone on the next try, and quarantined (`internal-error`)
/// if it was in flight in two deaths (`PoisonPill`).
///
/// Each validated file joins a file shard as it is recorded (`ShardCutter`); after each window the shards that are
/// complete are announced (`shardsReady`), so the embedded runner starts their mapped instances while this task
/// goes on with the next files. The output gives `file_shards` and `user_shards`, the counts the mapped tasks are
/// expanded to.
enum ValidateJSONFiles {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let ws = ctx.workspace
        let config = ctx.configuration
        try FileManager.default.createDirectory(at: ws.claimed(ctx.runID), withIntermediateDirectories: true)

        let known = try await ctx.store.files(runID: ctx.runID)
        var batch = Batch(limit: config.maxExercisesPerRun, shards: ShardCutter(limits: config.shardLimits, resuming: known))
        var seenHashes = Set<String>()
        for file in known where !file.sha256.isEmpty && file.state != .quarantined && file.state != .claimed {
            seenHashes.insert(file.sha256)
        }
        for file in known where file.state == .validated || file.state == .loaded {
            if let staged = file.stagedPath, let session = try? StagedSession.readHeader(ws.url(staged)) {
                batch.exercises += session.exercises.count
            }
        }
        // Rows validated by an older polarpipe (an interrupted run picked up after an upgrade) join shards first.
        let unsharded = known.filter { $0.shard == nil && $0.stagedPath != nil && [.validated, .loaded, .duplicate].contains($0.state) }
        try await ctx.store.updateFiles(unsharded.map { FileUpdate(id: $0.id, state: $0.state, shard: batch.shards.assign(bytes: $0.bytes)) })
        var counts = ["files": 0, "valid": 0, "quarantined": 0, "duplicates": 0, "skipped": 0, "exercises": 0]

        // Claims of an earlier try that are not finished: complete or forget each, then work on them first.
        var work: [Claim] = []
        for row in known where row.isOnDisk && row.state == .claimed {
            if let claim = try await Claim.recover(row, ctx: ctx) { work.append(claim) }
        }
        var inboxFiles = InboxScanner.scan(ws.inbox, settleSeconds: config.settleSeconds)[...]

        // A window of files is claimed (their rows in one transaction, then the renames), read, hashed, decoded and
        // staged on all cores, then recorded in order (one transaction). A window holds up to 8 files per core, and no
        // more than `windowBytes` of them once it has one per core: many small files keep the cores busy, a few large
        // ones bound the memory. A file that was in flight when a process died goes alone.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var bytesDone: Int64 = 0
        while true {
            var window: [Claim] = []
            if let recovered = work.first, recovered.attempts > 0 {
                window = [work.removeFirst()]
                try await ctx.store.addAttempts([recovered.id], 1)
            } else {
                var bytes = 0
                while let next = work.first, next.attempts == 0, window.count < cores * 8 {
                    bytes += next.bytes
                    window.append(work.removeFirst())
                }
                var items: [InboxFile] = []
                while work.isEmpty, !batch.isFull, window.count + items.count < cores * 8,
                      window.count + items.count < cores || bytes < windowBytes, let item = inboxFiles.popFirst() {
                    bytes += Int(clamping: item.bytes)
                    items.append(item)
                }
                window += try await Claim.take(items, ctx: ctx)
            }
            if window.isEmpty {
                if work.isEmpty, batch.isFull || inboxFiles.isEmpty { break }
                continue
            }
            try Task.checkCancellation()
            var updates: [FileUpdate] = []
            do {
                let prepared = await prepareConcurrently(window, ctx: ctx)
                for (index, claim) in window.enumerated() {
                    if batch.isFull {
                        try await claim.giveBack(ctx: ctx)  // the batch is full: the file waits in the inbox for the next run
                        continue
                    }
                    counts["files", default: 0] += 1
                    bytesDone += Int64(claim.bytes)
                    let outcome = try await process(claim, prepared: prepared[index], seenHashes: &seenHashes, batch: &batch,
                                                    updates: &updates, ctx: ctx)
                    outcome.add(to: &counts)
                    ctx.onEvent(.taskProgress(taskID: "validate_json_files", files: counts["files"] ?? 0, bytes: bytesDone))
                }
                try await ctx.store.updateFiles(updates)
                if batch.shards.closed > 0 { ctx.shardsReady(.fileShards, batch.shards.closed) }
            } catch {
                // An error, not a death: the files do not count it.
                try? await ctx.store.addAttempts(window.map(\.id), -1)
                throw error
            }
        }
        let none = try await ctx.store.files(runID: ctx.runID, afterID: 0, limit: 1).isEmpty
        counts["file_shards"] = batch.shards.count
        counts["user_shards"] = config.shardLimits.userShards(try await ctx.store.shardedUserKeys(runID: ctx.runID)).count
        return TaskOutput(counts, nothingToDo: none)
    }

    /// The bytes of files a window takes beyond its first file per core.
    static let windowBytes = 16 << 20

    /// The run's exercise budget (`batch.max_exercises`), and the file shards its validated files join.
    struct Batch {
        var limit: Int
        var shards: ShardCutter
        var exercises = 0
        var isFull: Bool { exercises >= limit }
    }

    /// A file claimed by this run: its ledger row and where it lies in `staging/<run-id>/claimed/`.
    struct Claim: Sendable {
        var id: Int64
        var url: URL
        var originalPath: String
        var userKey: String?
        var bytes: Int
        var attempts: Int

        /// Claims inbox files: their rows first (one transaction, each with one attempt: it is decoded next), then
        /// the renames. A file that vanished or is not ours to take is forgotten.
        static func take(_ items: [InboxFile], ctx: PipelineContext) async throws -> [Claim] {
            guard !items.isEmpty else { return [] }
            let ws = ctx.workspace
            let ids = try await ctx.store.claimFiles(items.map {
                ClaimedFile(originalPath: $0.relativePath, userKey: $0.userKey ?? "unknown-user", runID: ctx.runID, path: "",
                            bytes: $0.bytes, attempts: 1)
            })
            var claims: [Claim] = []
            var vanished: [Int64] = []
            for (item, id) in zip(items, ids) {
                let target = ws.claimedFile(ctx.runID, id: id, originalPath: item.relativePath)
                do {
                    try FileManager.default.moveItem(at: item.url, to: target)
                    claims.append(Claim(id: id, url: target, originalPath: item.relativePath, userKey: item.userKey,
                                        bytes: Int(clamping: item.bytes), attempts: 0))
                } catch {
                    vanished.append(id)
                }
            }
            try await ctx.store.forgetClaims(vanished)
            return claims
        }

        /// Finishes a claim an earlier try made: the rename it did not get to, or forgets the row when the file is
        /// gone from both places (it was never taken).
        static func recover(_ row: FileRecord, ctx: PipelineContext) async throws -> Claim? {
            let ws = ctx.workspace
            let target = ws.claimedFile(ctx.runID, id: row.id, originalPath: row.originalPath)
            if !exists(target) {
                let source = ws.inbox.appendingPathComponent(row.originalPath)
                guard Workspace.contains(ws.inbox, source), exists(source),
                      (try? FileManager.default.moveItem(at: source, to: target)) != nil
                else {
                    try await ctx.store.forgetClaims([row.id])
                    return nil
                }
            }
            let userKey = row.userKey == "unknown-user" ? nil : row.userKey
            return Claim(id: row.id, url: target, originalPath: row.originalPath, userKey: userKey,
                         bytes: FileMoves.size(target), attempts: row.attempts)
        }

        /// Returns the file to its inbox path and forgets the claim.
        func giveBack(ctx: PipelineContext) async throws {
            let back = FileMoves.uniqueDestination(ctx.workspace.inbox.appendingPathComponent(originalPath))
            try FileMoves.move(url, to: back)
            try await ctx.store.forgetClaims([id])
        }

        static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) || FileMoves.isSymlink(url) }
    }

    enum Outcome {
        case valid(exercises: Int), quarantined, duplicate, skipped
        case archive(valid: Int, exercises: Int, quarantined: Int, duplicates: Int, skipped: Int)

        func add(to counts: inout [String: Int]) {
            switch self {
            case .valid(let n):
                counts["valid", default: 0] += 1
                counts["exercises", default: 0] += n
            case .quarantined: counts["quarantined", default: 0] += 1
            case .duplicate: counts["duplicates", default: 0] += 1
            case .skipped: counts["skipped", default: 0] += 1
            case .archive(let v, let n, let q, let d, let skipped):
                counts["valid", default: 0] += v
                counts["exercises", default: 0] += n
                counts["quarantined", default: 0] += q
                counts["duplicates", default: 0] += d
                counts["skipped", default: 0] += skipped
            }
        }
    }

    /// A file read, hashed, decoded and (when valid) staged, before anything is recorded.
    struct Prepared: Sendable {
        var sha256: String
        var size: Int
        var outcome: DecodeOutcome
        var staged: URL?
        /// The export file kind of a file that is no session but a known part of an export (`ExportFileKinds`).
        var skippedKind: ExportFileKind?
    }

    /// Reads, hashes, decodes and stages plain files concurrently; nil for files that need the sequential path
    /// (zips, symbolic links, files over the size limit, unreadable files).
    static func prepareConcurrently(_ claims: [Claim], ctx: PipelineContext) async -> [Prepared?] {
        await withTaskGroup(of: (Int, Prepared?).self) { group in
            for (i, claim) in claims.enumerated() {
                group.addTask {
                    let url = claim.url
                    guard !FileMoves.isSymlink(url), FileMoves.size(url) <= ctx.configuration.limits.maxFileBytes,
                          url.pathExtension.lowercased() != "zip", let bytes = try? FileMoves.read(url),
                          !ZipIngest.hasZipMagic(bytes)
                    else { return (i, nil) }
                    return (i, try? prepare(bytes, name: claim.originalPath, ctx: ctx))
                }
            }
            var result = [Prepared?](repeating: nil, count: claims.count)
            for await (i, prepared) in group { result[i] = prepared }
            return result
        }
    }

    /// Hashes and decodes a file's (or a zip entry's) bytes; a session is staged, a file that is none is given its
    /// export kind when `name` and content agree on one (`ExportFileKinds`, one rule for files and entries).
    static func prepare(_ bytes: [UInt8], name: String, ctx: PipelineContext) throws -> Prepared {
        let sha256 = Hex.string(SHA256.hash(data: bytes))
        let limits = ctx.configuration.limits
        let outcome = SessionDecoder.decode(bytes, limits: limits)
        var staged: URL?
        if let session = outcome.session {
            let url = ctx.workspace.sessions(ctx.runID).appendingPathComponent(sha256 + ".pps")
            try StagedSession.write(session, to: url)
            staged = url
        }
        let kind = outcome.session == nil ? ExportFileKinds.kind(name: name, bytes: bytes, limits: limits) : nil
        return Prepared(sha256: sha256, size: bytes.count, outcome: outcome, staged: staged, skippedKind: kind)
    }

    static func process(_ claim: Claim, prepared: Prepared?, seenHashes: inout Set<String>, batch: inout Batch,
                        updates: inout [FileUpdate], ctx: PipelineContext) async throws -> Outcome {
        let limits = ctx.configuration.limits
        let url = claim.url
        let item = Quarantine.Item(rowID: claim.id, source: .file(url), relativePath: claim.originalPath,
                                   userKey: claim.userKey ?? "unknown-user")
        if claim.attempts >= PoisonPill.fileDeaths, !ZipIngest.isZip(url) {  // a zip's entries count their own deaths
            try await Quarantine.put(item, PoisonPill.diagnostic(claim.attempts), sha256: "", bytes: Int64(claim.bytes), ctx: ctx)
            return .quarantined
        }
        if let prepared {  // a plain file within the size limit, already read
            return try await record(prepared, item: item, seenHashes: &seenHashes, batch: &batch, updates: &updates, ctx: ctx)
        }
        if FileMoves.isSymlink(url) {
            try await Quarantine.put(item, .error("symlink", "symbolic links are not followed"), sha256: "", bytes: 0, ctx: ctx)
            return .quarantined
        }
        let size = FileMoves.size(url)
        if ZipIngest.isZip(url) {
            return try await ZipIngest.process(claim, size: size, seenHashes: &seenHashes, batch: &batch, ctx: ctx)
        }
        if size > limits.maxFileBytes {
            try await Quarantine.put(item, .error("too-large", "the file has \(size) bytes; the limit is \(limits.maxFileBytes)"),
                                     sha256: "", bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        let ready = try prepare(try FileMoves.read(url), name: claim.originalPath, ctx: ctx)
        return try await record(ready, item: item, seenHashes: &seenHashes, batch: &batch, updates: &updates, ctx: ctx)
    }

    /// Records one decoded file or zip entry on its ledger row: `validated` and staged, `skipped` with its export kind,
    /// `duplicate` (all appended to `updates`, which the caller writes), or quarantined (written at once, before the
    /// file moves). Duplicates are found by content: the same bytes earlier in this run, or in a loaded or skipped file.
    static func record(_ prepared: Prepared, item: Quarantine.Item, seenHashes: inout Set<String>, batch: inout Batch,
                       updates: inout [FileUpdate], ctx: PipelineContext) async throws -> Outcome {
        let ws = ctx.workspace
        let sha256 = prepared.sha256
        if item.userKey == "unknown-user" {
            try await Quarantine.put(item, .error("unknown-user", "the file is at the inbox root, outside any user folder"),
                                     sha256: sha256, bytes: Int64(prepared.size), ctx: ctx)
            return .quarantined
        }
        let duplicateReason: String?
        if seenHashes.contains(sha256) {
            duplicateReason = "same bytes as a file of this run"
        } else if try await ctx.store.fileID(loadedSHA256: sha256) != nil {
            duplicateReason = "same bytes as an ingested file"
        } else if prepared.skippedKind != nil, try await ctx.store.fileID(skippedSHA256: sha256) != nil {
            duplicateReason = "same bytes as a skipped file"
        } else {
            duplicateReason = nil
        }
        if let duplicateReason {
            updates.append(FileUpdate(id: item.rowID, state: .duplicate, path: item.location.map(ws.relative),
                                      reason: .some(duplicateReason), sha256: sha256))
            return .duplicate
        }
        if let kind = prepared.skippedKind {
            seenHashes.insert(sha256)
            updates.append(FileUpdate(id: item.rowID, state: .skipped, path: item.location.map(ws.relative),
                                      reason: .some(kind.rawValue), sha256: sha256))
            return .skipped
        }
        let outcome = prepared.outcome
        guard let session = outcome.session, let staged = prepared.staged else {
            try await Quarantine.put(item, outcome.firstError ?? .error("invalid", "the file was refused"), sha256: sha256,
                                     bytes: Int64(prepared.size), ctx: ctx)
            return .quarantined
        }
        for warning in outcome.warnings {
            ctx.logger.warning("file warning", metadata: ["file": "\(item.displayName)", "code": "\(warning.code)", "path": "\(warning.path)"])
        }
        seenHashes.insert(sha256)
        updates.append(FileUpdate(
            id: item.rowID, state: .validated, path: item.location.map(ws.relative), reason: .some(outcome.warnings.first?.code),
            sha256: sha256, layout: session.layout, stagedPath: ws.relative(staged),
            shard: batch.shards.assign(bytes: Int64(prepared.size))))
        batch.exercises += session.exercises.count
        return .valid(exercises: session.exercises.count)
    }
}

/// Moving a refused file to `quarantine/<user-key>/` with a `.reason.json` sidecar, on its ledger row. The original
/// bytes are kept: a file is moved; a zip entry is written out.
enum Quarantine {
    struct Item {
        enum Source { case file(URL), bytes([UInt8]) }
        /// The ledger row (the claimed file, or the zip entry's row).
        var rowID: Int64
        var source: Source
        /// Inbox-relative path of the file (for an entry: of its zip).
        var relativePath: String
        /// The entry's name in its zip.
        var entryName: String? = nil
        var userKey: String

        /// Where the file lies now (a claimed file), for its row; nil for a zip entry.
        var location: URL? {
            if case .file(let url) = source { return url }
            return nil
        }

        var displayName: String { entryName.map { "\(relativePath): \($0)" } ?? relativePath }
    }

    struct Sidecar: Codable {
        var reason: String
        var detail: String
        var path: String
        var run_id: String
        var original_path: String
        var entry_name: String?
        var sha256: String
    }

    /// Where a refused file goes: `quarantine/<user-key>/<its path below the user folder>`, an entry below its zip's
    /// name. Only a destination: nothing is ever parsed back out of it (the row keeps it).
    static func destination(_ item: Item, ws: Workspace) -> URL {
        let parts = item.relativePath.split(separator: "/", maxSplits: 1)
        let rest = parts.count == 2 && String(parts[0]) == item.userKey ? String(parts[1]) : item.relativePath
        var url = ws.quarantine.appendingPathComponent(item.userKey).appendingPathComponent(rest)
        if let entry = item.entryName { url = url.appendingPathComponent(entry) }
        return FileMoves.uniqueDestination(url)
    }

    static func put(_ item: Item, _ diagnostic: Diagnostic, sha256: String, bytes: Int64, ctx: PipelineContext) async throws {
        let ws = ctx.workspace
        let destination = destination(item, ws: ws)
        guard Workspace.contains(ws.quarantine, destination) else {
            throw PipelineError.missingInput("quarantine destination of \(item.displayName) is outside the quarantine folder")
        }
        let sidecar = Sidecar(reason: diagnostic.code, detail: diagnostic.message, path: diagnostic.path,
                              run_id: ctx.runID, original_path: item.relativePath, entry_name: item.entryName, sha256: sha256)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileMoves.writeAtomically(try encoder.encode(sidecar),
                                      to: destination.deletingLastPathComponent()
                                          .appendingPathComponent(destination.lastPathComponent + ".reason.json"))
        // The row first, then the move: after a crash in between, cleanup finds the file still claimed and moves it
        // to the place its row names.
        try await ctx.store.updateFile(FileUpdate(id: item.rowID, state: .quarantined, path: ws.relative(destination),
                                                  reason: .some(diagnostic.code), sha256: sha256.isEmpty ? nil : sha256))
        switch item.source {
        case .file(let url): try FileMoves.move(url, to: destination)
        case .bytes(let data): try FileMoves.writeAtomically(Data(data), to: destination)
        }
        ctx.logger.notice("file quarantined", metadata: ["file": "\(item.displayName)", "reason": "\(diagnostic.code)"])
    }
}

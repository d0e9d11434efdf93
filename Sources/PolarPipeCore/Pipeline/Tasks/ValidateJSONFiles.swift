import Crypto
import Foundation
import ZIPFoundation

/// `validate_json_files`: claim settled inbox files for this run, decode and validate each once, stage the
/// decoded form, and quarantine what is bad. Output: the valid files, as `pending` rows of `ingested_files`.
///
/// Claiming is an atomic rename into `staging/<run-id>/claimed/`. A retried or resumed try first finishes the
/// files it already claimed, then claims more, so the task is idempotent.
enum ValidateJSONFiles {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let ws = ctx.workspace
        let config = ctx.configuration
        let claimedRoot = ws.claimed(ctx.runID)
        try FileManager.default.createDirectory(at: claimedRoot, withIntermediateDirectories: true)

        var known = try await ctx.store.files(runID: ctx.runID)
        var seenHashes = Set(known.filter { $0.status != .quarantined }.map(\.sha256))
        var exercises = 0
        for file in known where file.status == .pending || file.status == .loaded {
            if let staged = file.stagedPath, let session = try? StagedSession.readHeader(ws.url(staged)) {
                exercises += session.exercises.count
            }
        }
        var counts = ["files": 0, "valid": 0, "quarantined": 0, "duplicates": 0, "exercises": 0]
        // Files already recorded by this run (zip entries count for their archive, whose path precedes '#').
        let recorded = Set(known.map { String($0.originalPath.split(separator: "#").first ?? "") })

        // Files this run claimed earlier but has not recorded yet (a retry after a failure).
        var work: [(url: URL, relativePath: String, userKey: String?)] = []
        for item in InboxScanner.scan(claimedRoot, settleSeconds: 0)
        where !recorded.contains(item.relativePath) {
            work.append((item.url, item.relativePath, item.userKey))
        }
        // New files from the inbox, claimed one at a time until the batch is full.
        var inboxFiles = InboxScanner.scan(ws.inbox, settleSeconds: config.settleSeconds)[...]

        // Files are claimed and recorded one at a time, in order; in between, a window of them is read, hashed,
        // decoded and staged on all cores. A window holds up to 8 files per core, and no more than `windowBytes` of
        // them once it has one per core: many small files keep the cores busy, a few large ones bound the memory.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var bytesDone: Int64 = 0
        while true {
            var window: [(url: URL, relativePath: String, userKey: String?)] = []
            var bytes = 0
            while window.count < cores * 8, window.count < cores || bytes < windowBytes {
                if !work.isEmpty {
                    let item = work.removeFirst()
                    bytes += FileMoves.size(item.url)
                    window.append(item)
                    continue
                }
                guard exercises < config.maxExercisesPerRun, let item = inboxFiles.popFirst() else { break }
                bytes += Int(item.bytes)
                let target = claimedRoot.appendingPathComponent(item.relativePath)
                if FileManager.default.fileExists(atPath: target.path) { continue }
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                do {
                    try FileManager.default.moveItem(at: item.url, to: target)
                } catch {
                    continue  // vanished or not ours to take; it stays where it is
                }
                window.append((target, item.relativePath, item.userKey))
            }
            if window.isEmpty { break }
            try Task.checkCancellation()
            let prepared = await prepareConcurrently(window.map(\.url), ctx: ctx)
            for (index, next) in window.enumerated() {
                if exercises >= config.maxExercisesPerRun, next.url.path.hasPrefix(claimedRoot.path) {
                    // The batch is full: give the file back to the inbox for the next run.
                    let back = ws.inbox.appendingPathComponent(next.relativePath)
                    try FileManager.default.createDirectory(at: back.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try FileManager.default.moveItem(at: next.url, to: back)
                    continue
                }
                counts["files", default: 0] += 1
                bytesDone += Int64(prepared[index]?.size ?? FileMoves.size(next.url))
                let outcome = try await process(next.url, relativePath: next.relativePath, userKey: next.userKey,
                                                prepared: prepared[index], seenHashes: &seenHashes, ctx: ctx)
                switch outcome {
            case .valid(let n):
                counts["valid", default: 0] += 1
                counts["exercises", default: 0] += n
                exercises += n
            case .quarantined: counts["quarantined", default: 0] += 1
            case .duplicate: counts["duplicates", default: 0] += 1
            case .archive(let v, let n, let q, let d, let skipped):
                counts["valid", default: 0] += v
                counts["exercises", default: 0] += n
                exercises += n
                counts["quarantined", default: 0] += q
                counts["duplicates", default: 0] += d
                counts["zip_entries_skipped", default: 0] += skipped
                }
                ctx.onEvent(.taskProgress(taskID: "validate_json_files", files: counts["files"] ?? 0, bytes: bytesDone))
            }
        }
        known = try await ctx.store.files(runID: ctx.runID)
        return TaskOutput(counts, nothingToDo: known.isEmpty)
    }

    /// The bytes of files a window takes beyond its first file per core.
    static let windowBytes = 16 << 20

    enum Outcome {
        case valid(exercises: Int), quarantined, duplicate
        case archive(valid: Int, exercises: Int, quarantined: Int, duplicates: Int, skipped: Int)
    }

    /// A file read, hashed, decoded and (when valid) staged, before anything is recorded.
    struct Prepared: Sendable {
        var sha256: String
        var size: Int
        var outcome: DecodeOutcome
        var staged: URL?
    }

    /// Reads, hashes, decodes and stages plain files concurrently; nil for files that need the sequential path
    /// (zips, symbolic links, files over the size limit, unreadable files).
    static func prepareConcurrently(_ urls: [URL], ctx: PipelineContext) async -> [Prepared?] {
        await withTaskGroup(of: (Int, Prepared?).self) { group in
            for (i, url) in urls.enumerated() {
                group.addTask {
                    guard !FileMoves.isSymlink(url), FileMoves.size(url) <= ctx.configuration.limits.maxFileBytes,
                          url.pathExtension.lowercased() != "zip", let bytes = try? FileMoves.read(url),
                          !ZipIngest.hasZipMagic(bytes)
                    else { return (i, nil) }
                    return (i, try? prepare(bytes, ctx: ctx))
                }
            }
            var result = [Prepared?](repeating: nil, count: urls.count)
            for await (i, prepared) in group { result[i] = prepared }
            return result
        }
    }

    static func prepare(_ bytes: [UInt8], ctx: PipelineContext) throws -> Prepared {
        let sha256 = Hex.string(SHA256.hash(data: bytes))
        let outcome = SessionDecoder.decode(bytes, limits: ctx.configuration.limits)
        var staged: URL?
        if let session = outcome.session {
            let url = ctx.workspace.sessions(ctx.runID).appendingPathComponent(sha256 + ".pps")
            try StagedSession.write(session, to: url)
            staged = url
        }
        return Prepared(sha256: sha256, size: bytes.count, outcome: outcome, staged: staged)
    }

    static func process(_ url: URL, relativePath: String, userKey: String?, prepared: Prepared? = nil,
                        seenHashes: inout Set<String>, ctx: PipelineContext) async throws -> Outcome {
        let limits = ctx.configuration.limits
        let item = Quarantine.Item(source: .file(url), relativePath: relativePath, userKey: userKey ?? "unknown-user")
        if let prepared {  // a plain file within the size limit, already read
            return try await record(prepared, item: item, rowPath: ctx.workspace.relative(url), seenHashes: &seenHashes, ctx: ctx)
        }
        if FileMoves.isSymlink(url) {
            try await Quarantine.put(item, .error("symlink", "symbolic links are not followed"), sha256: "", bytes: 0, ctx: ctx)
            return .quarantined
        }
        let size = FileMoves.size(url)
        if ZipIngest.isZip(url) {
            return try await processZip(url, relativePath: relativePath, userKey: userKey, size: size, seenHashes: &seenHashes, ctx: ctx)
        }
        if size > limits.maxFileBytes {
            try await Quarantine.put(item, .error("too-large", "the file has \(size) bytes; the limit is \(limits.maxFileBytes)"),
                                     sha256: "", bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        let ready = try prepare(try FileMoves.read(url), ctx: ctx)
        return try await record(ready, item: item, rowPath: ctx.workspace.relative(url), seenHashes: &seenHashes, ctx: ctx)
    }

    /// Decodes one file's bytes and records the outcome: staged and `pending`, `duplicate`, or quarantined.
    static func record(_ prepared: Prepared, item: Quarantine.Item, rowPath: String, seenHashes: inout Set<String>,
                       ctx: PipelineContext) async throws -> Outcome {
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
        } else {
            duplicateReason = nil
        }
        if let duplicateReason {
            _ = try await ctx.store.insertFile(NewFile(
                sha256: sha256, path: rowPath, originalPath: item.relativePath, userKey: item.userKey, runID: ctx.runID,
                status: .duplicate, reason: duplicateReason, bytes: Int64(prepared.size)))
            return .duplicate
        }
        let outcome = prepared.outcome
        guard let session = outcome.session, let staged = prepared.staged else {
            try await Quarantine.put(item, outcome.firstError ?? .error("invalid", "the file was refused"), sha256: sha256,
                                     bytes: Int64(prepared.size), ctx: ctx)
            return .quarantined
        }
        for warning in outcome.warnings {
            ctx.logger.warning("file warning", metadata: ["file": "\(item.relativePath)", "code": "\(warning.code)", "path": "\(warning.path)"])
        }
        seenHashes.insert(sha256)
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: rowPath, originalPath: item.relativePath, userKey: item.userKey, runID: ctx.runID,
            status: .pending, reason: outcome.warnings.first?.code, layout: session.layout, bytes: Int64(prepared.size),
            stagedPath: ws.relative(staged)))
        return .valid(exercises: session.exercises.count)
    }

    /// An export zip: checked as a whole, then its training sessions ingested entry by entry, in memory.
    static func processZip(_ url: URL, relativePath: String, userKey: String?, size: Int, seenHashes: inout Set<String>,
                           ctx: PipelineContext) async throws -> Outcome {
        let limits = ctx.configuration.limits
        let ws = ctx.workspace
        let key = userKey ?? "unknown-user"
        let item = Quarantine.Item(source: .file(url), relativePath: relativePath, userKey: key)
        let sha256 = try ZipIngest.sha256(of: url)
        func refuse(_ d: Diagnostic) async throws -> Outcome {
            try await Quarantine.put(item, d, sha256: sha256, bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        if userKey == nil { return try await refuse(.error("unknown-user", "the file is at the inbox root, outside any user folder")) }
        if size > limits.maxZipBytes { return try await refuse(.error("too-large", "the archive has \(size) bytes")) }
        let alreadyLoaded = try await ctx.store.fileID(loadedSHA256: sha256) != nil
        if seenHashes.contains(sha256) || alreadyLoaded {
            _ = try await ctx.store.insertFile(NewFile(sha256: sha256, path: ws.relative(url), originalPath: relativePath, userKey: key,
                                                       runID: ctx.runID, status: .duplicate, reason: "same bytes as an ingested file",
                                                       bytes: Int64(size)))
            return .duplicate
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            return try await refuse(.error("invalid-zip", "not a readable zip archive"))
        }
        if let refusal = ZipIngest.check(archive, limits: limits) { return try await refuse(refusal) }

        var valid = 0, exercises = 0, quarantined = 0, duplicates = 0, skipped = 0
        let zipRowPath = ws.relative(url)
        for entry in archive where entry.type == .file {
            guard ZipIngest.isTrainingSession(entry.path) else { skipped += 1; continue }
            let entryItem = Quarantine.Item(source: .bytes([]), relativePath: relativePath + "#" + entry.path, userKey: key)
            let bytes: [UInt8]
            do {
                bytes = try ZipIngest.read(entry, from: archive, limit: limits.maxFileBytes)
            } catch is ZipIngest.TooLarge {
                try await Quarantine.put(entryItem, .error("too-large", "the entry expands beyond \(limits.maxFileBytes) bytes"),
                                         sha256: "", bytes: Int64(entry.uncompressedSize), ctx: ctx)
                quarantined += 1
                continue
            } catch {
                try await Quarantine.put(entryItem, .error("invalid-zip", "the entry cannot be decompressed"),
                                         sha256: "", bytes: Int64(entry.uncompressedSize), ctx: ctx)
                quarantined += 1
                continue
            }
            var withBytes = entryItem
            withBytes.source = .bytes(bytes)
            let ready = try prepare(bytes, ctx: ctx)
            switch try await record(ready, item: withBytes, rowPath: zipRowPath + "#" + entry.path, seenHashes: &seenHashes, ctx: ctx) {
            case .valid(let n): valid += 1; exercises += n
            case .quarantined: quarantined += 1
            case .duplicate: duplicates += 1
            case .archive: break
            }
        }
        seenHashes.insert(sha256)
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: zipRowPath, originalPath: relativePath, userKey: key, runID: ctx.runID, status: .pending,
            reason: "zip: \(valid + quarantined + duplicates) training sessions, \(skipped) other entries skipped",
            bytes: Int64(size)))
        return .archive(valid: valid, exercises: exercises, quarantined: quarantined, duplicates: duplicates, skipped: skipped)
    }
}

/// Moving a refused file to `quarantine/<user-key>/` with a `.reason.json` sidecar and an `ingested_files` row.
/// The original bytes are kept: a file is moved; a zip entry is written out.
enum Quarantine {
    struct Item {
        enum Source { case file(URL), bytes([UInt8]) }
        var source: Source
        /// Inbox-relative path (`ann/run.json`, `ann/export.zip#training-session-….json`).
        var relativePath: String
        var userKey: String
    }

    struct Sidecar: Codable {
        var reason: String
        var detail: String
        var path: String
        var run_id: String
        var original_path: String
        var sha256: String
    }

    static func put(_ item: Item, _ diagnostic: Diagnostic, sha256: String, bytes: Int64, ctx: PipelineContext) async throws {
        let ws = ctx.workspace
        let parts = item.relativePath.split(separator: "/", maxSplits: 1)
        var rest = parts.count == 2 && String(parts[0]) == item.userKey ? String(parts[1]) : item.relativePath
        rest = rest.replacingOccurrences(of: "#", with: "/")
        let destination = FileMoves.uniqueDestination(ws.quarantine.appendingPathComponent(item.userKey).appendingPathComponent(rest))
        let sidecar = Sidecar(reason: diagnostic.code, detail: diagnostic.message, path: diagnostic.path,
                              run_id: ctx.runID, original_path: item.relativePath, sha256: sha256)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileMoves.writeAtomically(try encoder.encode(sidecar),
                                      to: destination.deletingLastPathComponent()
                                          .appendingPathComponent(destination.lastPathComponent + ".reason.json"))
        // The row first, then the move: after a crash in between, cleanup finds the file still claimed and moves it
        // to the place its row names.
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: ws.relative(destination), originalPath: item.relativePath, userKey: item.userKey,
            runID: ctx.runID, status: .quarantined, reason: diagnostic.code, bytes: bytes))
        switch item.source {
        case .file(let url): try FileMoves.move(url, to: destination)
        case .bytes(let data): try FileMoves.writeAtomically(Data(data), to: destination)
        }
        ctx.logger.notice("file quarantined", metadata: ["file": "\(item.relativePath)", "reason": "\(diagnostic.code)"])
    }
}

import Crypto
import Foundation

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
        let recordedPaths = Set(known.map(\.originalPath))
        var seenHashes = Set(known.filter { $0.status != .quarantined }.map(\.sha256))
        var exercises = 0
        for file in known where file.status == .pending || file.status == .loaded {
            if let staged = file.stagedPath, let session = try? StagedSession.readHeader(ws.url(staged)) {
                exercises += session.exercises.count
            }
        }
        var counts = ["files": 0, "valid": 0, "quarantined": 0, "duplicates": 0, "exercises": 0]

        // Files this run claimed earlier but has not recorded yet (a retry after a failure).
        var work: [(url: URL, relativePath: String, userKey: String?)] = []
        for item in InboxScanner.scan(claimedRoot, settleSeconds: 0) where !recordedPaths.contains(item.relativePath) {
            work.append((item.url, item.relativePath, item.userKey))
        }
        // New files from the inbox, claimed one at a time until the batch is full.
        var inboxFiles = InboxScanner.scan(ws.inbox, settleSeconds: config.settleSeconds)[...]

        while true {
            let next: (url: URL, relativePath: String, userKey: String?)
            if !work.isEmpty {
                next = work.removeFirst()
            } else {
                guard exercises < config.maxExercisesPerRun, let item = inboxFiles.popFirst() else { break }
                let target = claimedRoot.appendingPathComponent(item.relativePath)
                if FileManager.default.fileExists(atPath: target.path) { continue }
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                do {
                    try FileManager.default.moveItem(at: item.url, to: target)
                } catch {
                    continue  // vanished or not ours to take; it stays where it is
                }
                next = (target, item.relativePath, item.userKey)
            }
            counts["files", default: 0] += 1
            let outcome = try await process(next.url, relativePath: next.relativePath, userKey: next.userKey,
                                            seenHashes: &seenHashes, ctx: ctx)
            switch outcome {
            case .valid(let n):
                counts["valid", default: 0] += 1
                counts["exercises", default: 0] += n
                exercises += n
            case .quarantined: counts["quarantined", default: 0] += 1
            case .duplicate: counts["duplicates", default: 0] += 1
            }
        }
        known = try await ctx.store.files(runID: ctx.runID)
        return TaskOutput(counts, nothingToDo: known.isEmpty)
    }

    enum Outcome { case valid(exercises: Int), quarantined, duplicate }

    static func process(_ url: URL, relativePath: String, userKey: String?, seenHashes: inout Set<String>,
                        ctx: PipelineContext) async throws -> Outcome {
        let ws = ctx.workspace
        let limits = ctx.configuration.limits
        func quarantine(_ diagnostic: Diagnostic, sha256: String, bytes: Int64) async throws -> Outcome {
            try await Quarantine.file(url, relativePath: relativePath, userKey: userKey ?? "unknown-user",
                                      diagnostic: diagnostic, sha256: sha256, bytes: bytes, ctx: ctx)
            return .quarantined
        }
        if FileMoves.isSymlink(url) {
            return try await quarantine(.error("symlink", "symbolic links are not followed"), sha256: "", bytes: 0)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if size > limits.maxFileBytes {
            return try await quarantine(
                .error("too-large", "the file has \(size) bytes; the limit is \(limits.maxFileBytes)"),
                sha256: "", bytes: Int64(size))
        }
        let bytes = [UInt8](try Data(contentsOf: url))
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard let userKey else {
            return try await quarantine(.error("unknown-user", "the file is at the inbox root, outside any user folder"),
                                        sha256: sha256, bytes: Int64(bytes.count))
        }
        if seenHashes.contains(sha256) {
            try await recordDuplicate(url, relativePath: relativePath, userKey: userKey, sha256: sha256,
                                      bytes: Int64(bytes.count), reason: "same bytes as a file of this run", ctx: ctx)
            return .duplicate
        }
        if try await ctx.store.fileID(loadedSHA256: sha256) != nil {
            try await recordDuplicate(url, relativePath: relativePath, userKey: userKey, sha256: sha256,
                                      bytes: Int64(bytes.count), reason: "same bytes as an ingested file", ctx: ctx)
            return .duplicate
        }
        let outcome = SessionDecoder.decode(bytes, limits: limits)
        guard let session = outcome.session else {
            let diagnostic = outcome.firstError ?? .error("invalid", "the file was refused")
            return try await quarantine(diagnostic, sha256: sha256, bytes: Int64(bytes.count))
        }
        for warning in outcome.warnings {
            ctx.logger.warning("file warning", metadata: ["file": "\(relativePath)", "code": "\(warning.code)", "path": "\(warning.path)"])
        }
        let staged = ws.sessions(ctx.runID).appendingPathComponent(sha256 + ".pps")
        try StagedSession.write(session, to: staged)
        seenHashes.insert(sha256)
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: ws.relative(url), originalPath: relativePath, userKey: userKey, runID: ctx.runID,
            status: .pending, layout: session.layout, bytes: Int64(bytes.count), stagedPath: ws.relative(staged)))
        return .valid(exercises: session.exercises.count)
    }

    static func recordDuplicate(_ url: URL, relativePath: String, userKey: String, sha256: String, bytes: Int64,
                                reason: String, ctx: PipelineContext) async throws {
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: ctx.workspace.relative(url), originalPath: relativePath, userKey: userKey,
            runID: ctx.runID, status: .duplicate, reason: reason, bytes: bytes))
    }
}

/// Moving a refused file to `quarantine/<user-key>/` with a `.reason.json` sidecar and an `ingested_files` row.
enum Quarantine {
    struct Sidecar: Codable {
        var reason: String
        var detail: String
        var path: String
        var run_id: String
        var original_path: String
        var sha256: String
    }

    static func file(_ url: URL, relativePath: String, userKey: String, diagnostic: Diagnostic, sha256: String,
                     bytes: Int64, ctx: PipelineContext) async throws {
        let ws = ctx.workspace
        let inUserFolder = relativePath.split(separator: "/", maxSplits: 1)
        let rest = inUserFolder.count == 2 ? String(inUserFolder[1]) : relativePath
        let destination = FileMoves.uniqueDestination(
            ws.quarantine.appendingPathComponent(userKey).appendingPathComponent(rest))
        let sidecar = Sidecar(reason: diagnostic.code, detail: diagnostic.message, path: diagnostic.path,
                              run_id: ctx.runID, original_path: relativePath, sha256: sha256)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileMoves.writeAtomically(try encoder.encode(sidecar),
                                      to: destination.deletingLastPathComponent()
                                          .appendingPathComponent(destination.lastPathComponent + ".reason.json"))
        let final = try FileMoves.move(url, to: destination)
        _ = try await ctx.store.insertFile(NewFile(
            sha256: sha256, path: ws.relative(final), originalPath: relativePath, userKey: userKey, runID: ctx.runID,
            status: .quarantined, reason: diagnostic.code, bytes: bytes))
        ctx.logger.notice("file quarantined", metadata: ["file": "\(relativePath)", "reason": "\(diagnostic.code)"])
    }
}

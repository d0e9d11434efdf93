import Crypto
import Foundation
import ZIPFoundation

/// Polar export zips (`polar-user-data-export_*.zip`, any `.zip` in a user folder), read entry by entry without
/// extracting the archive to disk. Training-session entries are decoded like files (one ledger row each, its entry
/// name in its own column); other entries (activity, sleep, account, …) are skipped, not errors.
///
/// Before any entry is read the whole archive is checked: no entry path may escape (`..`, absolute), the total
/// uncompressed size is at most `limits.max_zip_bytes` and the compression ratio at most 200:1; otherwise the
/// whole zip is quarantined.
enum ZipIngest {
    enum Refusal: Error { case refused(Diagnostic) }
    struct TooLarge: Error {}

    static func isZip(_ url: URL) -> Bool {
        if url.pathExtension.lowercased() == "zip" { return true }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return hasZipMagic((try? handle.read(upToCount: 4)) ?? Data())
    }

    /// Whether `data` starts like a zip archive (a local file header).
    static func hasZipMagic(_ data: some Collection<UInt8>) -> Bool {
        data.starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    /// SHA-256 of a file read in 1 MiB chunks.
    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.string(hasher.finalize())
    }

    /// The archive's safety check; returns the refusal or nil.
    static func check(_ archive: Archive, limits: InputLimits) -> Diagnostic? {
        var uncompressed: UInt64 = 0
        var compressed: UInt64 = 0
        for entry in archive {
            let path = entry.path
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            if path.hasPrefix("/") || path.hasPrefix("\\") || path.contains("\\") || parts.contains("..") || path.contains("\0") {
                return .error("zip-path-traversal", path: path, "an entry path escapes the archive")
            }
            if entry.type == .symlink {
                return .error("zip-symlink", path: path, "the archive contains a symbolic link")
            }
            uncompressed += entry.uncompressedSize
            compressed += entry.compressedSize
            if uncompressed > limits.maxZipBytes {
                return .error("zip-too-large", "the archive expands to more than \(limits.maxZipBytes) bytes")
            }
        }
        if uncompressed > 1 << 20, Double(uncompressed) > Double(max(compressed, 1)) * limits.maxZipRatio {
            return .error("zip-bomb", "compression ratio \(uncompressed / max(compressed, 1)):1 exceeds \(Int(limits.maxZipRatio)):1")
        }
        return nil
    }

    /// A training-session entry, by its file name: a Polar export's `training-session*.json`, or a TCX, GPX or FIT
    /// file, plain or gzip-compressed (`activities/12345.gpx.gz` in Strava's bulk export).
    static func isTrainingSession(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        if name.hasPrefix("training-session") && name.hasSuffix(".json") { return true }
        return [".tcx", ".gpx", ".fit"].contains { name.hasSuffix($0) || name.hasSuffix($0 + ".gz") }
    }

    /// The bytes of one entry, refusing to read more than `limit`.
    static func read(_ entry: Entry, from archive: Archive, limit: Int) throws -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(limit) else { throw TooLarge() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entry.uncompressedSize))
        _ = try archive.extract(entry) { chunk in
            if bytes.count + chunk.count > limit { throw TooLarge() }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}

extension ZipIngest {
    /// An export zip claimed by this run: checked as a whole, then its training sessions ingested entry by entry, in
    /// memory, each on a ledger row of its own (entry name in its own column, the zip's row as parent). Entries
    /// recorded by an earlier try or an earlier run are not read again, so an interrupted zip resumes at the entry
    /// where it stopped. When the run's batch fills up, the zip becomes `partial`: cleanup returns it to the inbox
    /// and the next run, finding the same bytes, goes on with the next entry on the same row.
    static func process(_ claim: ValidateJSONFiles.Claim, size: Int, seenHashes: inout Set<String>,
                        batch: inout ValidateJSONFiles.Batch, ctx: PipelineContext) async throws -> ValidateJSONFiles.Outcome {
        let limits = ctx.configuration.limits
        let ws = ctx.workspace
        let url = claim.url
        let key = claim.userKey ?? "unknown-user"
        var zipID = claim.id
        let item = Quarantine.Item(rowID: zipID, source: .file(url), relativePath: claim.originalPath, userKey: key)
        let sha256 = try sha256(of: url)
        func refuse(_ d: Diagnostic) async throws -> ValidateJSONFiles.Outcome {
            try await Quarantine.put(item, d, sha256: sha256, bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        if claim.userKey == nil { return try await refuse(.error("unknown-user", "the file is at the inbox root, outside any user folder")) }
        if size > limits.maxZipBytes { return try await refuse(.error("too-large", "the archive has \(size) bytes")) }
        if let earlier = try await ctx.store.partialArchive(sha256: sha256, userKey: key), earlier.id != zipID {
            // The rest of a zip an earlier run began: that row goes on, under its own id.
            let target = ws.claimedFile(ctx.runID, id: earlier.id, originalPath: earlier.originalPath)
            try FileManager.default.moveItem(at: url, to: target)
            try await ctx.store.adoptClaim(zipID, into: earlier.id, path: ws.relative(target))
            zipID = earlier.id
            return try await ingestEntries(zipID: zipID, url: target, claim: claim, sha256: sha256, size: size,
                                           seenHashes: &seenHashes, batch: &batch, ctx: ctx)
        }
        let loadedBefore = try await ctx.store.fileID(loadedSHA256: sha256) != nil
        if seenHashes.contains(sha256) || loadedBefore {
            try await ctx.store.updateFile(FileUpdate(id: zipID, state: .duplicate, path: ws.relative(url),
                                                      reason: .some("same bytes as an ingested file"), sha256: sha256))
            return .duplicate
        }
        try await ctx.store.updateFile(FileUpdate(id: zipID, state: .claimed, path: ws.relative(url), sha256: sha256))
        return try await ingestEntries(zipID: zipID, url: url, claim: claim, sha256: sha256, size: size,
                                       seenHashes: &seenHashes, batch: &batch, ctx: ctx)
    }

    static func ingestEntries(zipID: Int64, url: URL, claim: ValidateJSONFiles.Claim, sha256: String, size: Int,
                              seenHashes: inout Set<String>, batch: inout ValidateJSONFiles.Batch,
                              ctx: PipelineContext) async throws -> ValidateJSONFiles.Outcome {
        let limits = ctx.configuration.limits
        let ws = ctx.workspace
        let key = claim.userKey ?? "unknown-user"
        let zipItem = Quarantine.Item(rowID: zipID, source: .file(url), relativePath: claim.originalPath, userKey: key)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            try await Quarantine.put(zipItem, .error("invalid-zip", "not a readable zip archive"), sha256: sha256, bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        if let refusal = check(archive, limits: limits) {
            try await Quarantine.put(zipItem, refusal, sha256: sha256, bytes: Int64(size), ctx: ctx)
            return .quarantined
        }
        // Entries recorded before (this run's earlier try, or an earlier run); a `claimed` one is read again.
        var rows: [String: FileRecord] = [:]
        for row in try await ctx.store.entries(ofArchive: zipID) {
            if let name = row.entryName { rows[name] = row }
        }
        var valid = 0, exercises = 0, quarantined = 0, duplicates = 0, skipped = 0, sessions = 0
        var complete = true
        let zipPath = ws.relative(url)
        for entry in archive where entry.type == .file {
            guard isTrainingSession(entry.path) else { skipped += 1; continue }
            sessions += 1
            if let row = rows[entry.path], row.state != .claimed { continue }
            if batch.isFull {
                complete = false
                break
            }
            try Task.checkCancellation()
            // The entry's row is written before it is read, with one attempt: a death while decoding it counts.
            let rowID: Int64
            if let earlier = rows[entry.path] {
                rowID = earlier.id
                try await ctx.store.addAttempts([rowID], 1)
            } else {
                rowID = try await ctx.store.claimFile(ClaimedFile(
                    originalPath: claim.originalPath, entryName: entry.path, parentID: zipID, userKey: key, runID: ctx.runID,
                    path: zipPath, bytes: Int64(clamping: entry.uncompressedSize), attempts: 1))
            }
            let entryItem = Quarantine.Item(rowID: rowID, source: .bytes([]), relativePath: claim.originalPath,
                                            entryName: entry.path, userKey: key)
            if let earlier = rows[entry.path], earlier.attempts >= PoisonPill.fileDeaths {
                try await Quarantine.put(entryItem, PoisonPill.diagnostic(earlier.attempts), sha256: "",
                                         bytes: Int64(clamping: entry.uncompressedSize), ctx: ctx)
                quarantined += 1
                continue
            }
            let bytes: [UInt8]
            do {
                bytes = try read(entry, from: archive, limit: limits.maxFileBytes)
            } catch is TooLarge {
                try await Quarantine.put(entryItem, .error("too-large", "the entry expands beyond \(limits.maxFileBytes) bytes"),
                                         sha256: "", bytes: Int64(clamping: entry.uncompressedSize), ctx: ctx)
                quarantined += 1
                continue
            } catch {
                try await Quarantine.put(entryItem, .error("invalid-zip", "the entry cannot be decompressed"),
                                         sha256: "", bytes: Int64(clamping: entry.uncompressedSize), ctx: ctx)
                quarantined += 1
                continue
            }
            var withBytes = entryItem
            withBytes.source = .bytes(bytes)
            let ready = try ValidateJSONFiles.prepare(bytes, ctx: ctx)
            var updates: [FileUpdate] = []
            switch try await ValidateJSONFiles.record(ready, item: withBytes, seenHashes: &seenHashes, batch: &batch,
                                                      updates: &updates, ctx: ctx) {
            case .valid(let n): valid += 1; exercises += n
            case .quarantined: quarantined += 1
            case .duplicate: duplicates += 1
            case .archive: break
            }
            try await ctx.store.updateFiles(updates)  // entry by entry: an interruption resumes at the next one
        }
        seenHashes.insert(sha256)
        let summary = "zip: \(sessions) training sessions, \(skipped) other entries skipped"
        try await ctx.store.updateFile(FileUpdate(id: zipID, state: complete ? .validated : .partial, path: zipPath,
                                                  reason: .some(summary), sha256: sha256))
        return .archive(valid: valid, exercises: exercises, quarantined: quarantined, duplicates: duplicates, skipped: skipped)
    }
}

import Foundation
import ZIPFoundation

/// The staged session of a ledger row, decoded again from its claimed file (or its zip entry) when it is missing — a
/// staged session is written without `fsync`, so a power loss can take it while the row survives — or when an older
/// polarpipe wrote it in an earlier staged form (a run interrupted before an upgrade).
enum Restage {
    /// The staged session's location, re-created when it is missing.
    static func session(_ row: FileRecord, ctx: PipelineContext) throws -> URL {
        guard let staged = row.stagedPath else {
            throw PipelineError.missingInput("file \(row.displayName) has no staged session")
        }
        let url = ctx.workspace.url(staged)
        if StagedSession.isCurrentForm(url) { return url }
        let prepared = try ValidateJSONFiles.prepare(try originalBytes(row, ctx: ctx), name: row.entryName ?? row.originalPath, ctx: ctx)
        guard prepared.sha256 == row.sha256, let again = prepared.staged else {
            throw PipelineError.missingInput("file \(row.displayName) changed in staging; its staged session cannot be made again")
        }
        if again != url { try FileMoves.replace(url, with: again) }
        ctx.logger.notice("staged session made again", metadata: ["file": "\(row.displayName)"])
        return url
    }

    /// The bytes the row was decoded from: its claimed file, or its entry in its claimed zip.
    static func originalBytes(_ row: FileRecord, ctx: PipelineContext) throws -> [UInt8] {
        let ws = ctx.workspace
        guard let entryName = row.entryName, let parentID = row.parentID else {
            return try FileMoves.read(ws.claimedFile(ctx.runID, id: row.id, originalPath: row.originalPath))
        }
        let zip = ws.claimedFile(ctx.runID, id: parentID, originalPath: row.originalPath)
        let archive = try Archive(url: zip, accessMode: .read)
        guard let entry = archive[entryName] else {
            throw PipelineError.missingInput("entry \(entryName) is not in \(row.originalPath) any more")
        }
        return try ZipIngest.read(entry, from: archive, limit: ctx.configuration.limits.maxFileBytes)
    }
}

import Foundation

/// `cleanup_and_archive`: move each processed file of the run to `processed/YYYY/MM/<user-key>/` (year and month
/// of the run), delete `staging/<run-id>/`. The run summary and run state are written by the runner when the
/// run ends.
enum CleanupAndArchive {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let ws = ctx.workspace
        let files = try await ctx.store.files(runID: ctx.runID)
        let runStart = try await ctx.store.run(ctx.runID)?.startedAt ?? ctx.now()
        let days = Int(runStart / 86_400_000)
        let (year, month, _) = PolarTime.civilFromDays(days)
        let folder = ws.processed.appendingPathComponent(String(format: "%04d/%02d", year, month), isDirectory: true)
        var archived = 0
        for file in files where file.status != .quarantined {
            let current = ws.url(file.path)
            guard file.path.hasPrefix("staging/") else { continue }  // already archived
            let parts = file.originalPath.split(separator: "/", maxSplits: 1)
            let rest = parts.count == 2 ? String(parts[1]) : file.originalPath
            let destination = folder.appendingPathComponent(file.userKey).appendingPathComponent(rest)
            guard FileManager.default.fileExists(atPath: current.path) || FileMoves.isSymlink(current) else {
                throw PipelineError.missingInput("claimed file \(file.path) is missing")
            }
            let final = try FileMoves.move(current, to: destination)
            try await ctx.store.updateFile(id: file.id, status: file.status == .pending ? .loaded : file.status,
                                           path: ws.relative(final), reason: file.reason)
            archived += 1
        }
        let staging = ws.staging(ctx.runID)
        if FileManager.default.fileExists(atPath: staging.path) {
            try FileManager.default.removeItem(at: staging)
        }
        return TaskOutput(["archived": archived], nothingToDo: files.isEmpty)
    }
}

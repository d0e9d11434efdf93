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
        // Rows of zip entries share their archive's file (path `<zip>#<entry>`): move each file once.
        let byFile = Dictionary(grouping: files.filter { $0.status != .quarantined && $0.path.hasPrefix("staging/") }) {
            String($0.path.split(separator: "#", maxSplits: 1).first ?? "")
        }
        for (path, rows) in byFile.sorted(by: { $0.key < $1.key }) {
            let current = ws.url(path)
            guard let container = rows.first(where: { !$0.path.contains("#") }) ?? rows.first else { continue }
            let original = String(container.originalPath.split(separator: "#", maxSplits: 1).first ?? "")
            let parts = original.split(separator: "/", maxSplits: 1)
            let rest = parts.count == 2 ? String(parts[1]) : original
            let destination = folder.appendingPathComponent(container.userKey).appendingPathComponent(rest)
            guard FileManager.default.fileExists(atPath: current.path) || FileMoves.isSymlink(current) else {
                throw PipelineError.missingInput("claimed file \(path) is missing")
            }
            let final = ws.relative(try FileMoves.move(current, to: destination))
            for row in rows {
                let suffix = row.path.split(separator: "#", maxSplits: 1).dropFirst().first.map { "#" + $0 } ?? ""
                try await ctx.store.updateFile(id: row.id, status: row.status == .pending ? .loaded : row.status,
                                               path: final + suffix, reason: row.reason)
            }
            archived += 1
        }
        let staging = ws.staging(ctx.runID)
        if FileManager.default.fileExists(atPath: staging.path) {
            try FileManager.default.removeItem(at: staging)
        }
        return TaskOutput(["archived": archived], nothingToDo: files.isEmpty)
    }
}

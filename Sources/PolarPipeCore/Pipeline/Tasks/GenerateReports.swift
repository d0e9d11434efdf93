import Foundation

/// `generate_reports`: rewrite `reports/index.html`, `summary.json`, `summary.csv`, the pages of the users this run
/// touched, and the pages of its exercises (SPEC §5).
///
/// The exercise pages are written file shard by file shard, so memory follows a shard, never the batch. A page draws
/// its samples from the run's staged sessions, which hold exactly what the load tasks stored (the page applies the
/// same range filters), instead of reading the rows back; the pages are rendered on all cores. A shard whose staged
/// sessions are gone (a workspace whose staging was removed) has its pages read from the stored rows.
enum GenerateReports {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let touched = Set(try await ctx.store.exerciseUserIDs(runID: ctx.runID))
        guard !touched.isEmpty else { return TaskOutput(["pages": 0], nothingToDo: true) }
        let keys = Set(try await ctx.store.users().filter { touched.contains($0.id) }.map(\.userKey))
        let data = try await ReportData.load(from: ctx.store, now: ctx.now())
        let tiles = ctx.configuration.mapTiles
        var written = try await ReportWriter.write(data, to: ctx.workspace.reports, store: ctx.store, userKeys: keys,
                                                   exerciseIDs: [], mapTiles: tiles)
        let userKeys = data.userKeys
        for shard in 0 ..< (try await ctx.store.fileShardCount(runID: ctx.runID)) {
            try Task.checkCancellation()
            let shardContext = ctx.invoked(TaskInvocation(mapIndex: shard))
            let exercises = try await shardContext.shardExercises()
            guard try await stagedSessionsExist(shardContext) else {
                written += try await ReportWriter.writeStoredExercisePages(exercises.map(\.id), userKeys: userKeys, generatedAt: data.generatedAt,
                                                                           to: ctx.workspace.reports, store: ctx.store, mapTiles: tiles)
                continue
            }
            try await LoadSamples.forEachChunk(shardContext, exercises) { chunk in
                var pages: [ReportWriter.ExercisePage] = []
                for (exercise, samples) in chunk {
                    pages.append(try await ReportWriter.exercisePage(exercise, userKey: userKeys[exercise.userID] ?? "",
                                                                     samples: samples, store: ctx.store, mapTiles: tiles))
                }
                written += try await ReportWriter.writeExercisePages(pages, generatedAt: data.generatedAt, to: ctx.workspace.reports)
            }
        }
        return TaskOutput(["files": written.count, "users": keys.count])
    }

    /// Whether every file of the context's shard that has exercises still has its staged session.
    static func stagedSessionsExist(_ ctx: PipelineContext) async throws -> Bool {
        try await ctx.shardFiles().filter { $0.status == .loaded }.allSatisfy { file in
            guard let staged = file.stagedPath else { return false }
            return FileManager.default.fileExists(atPath: ctx.workspace.url(staged).path)
        }
    }
}

import Foundation

/// `generate_reports`: rewrite `reports/index.html`, `summary.json`, `summary.csv`, the pages of the users this run
/// touched, and the pages of its exercises (SPEC §5).
///
/// An exercise page draws its samples from the run's staged sessions, which hold exactly what the load tasks stored
/// (the page applies the same range filters), instead of reading the rows back; the pages are rendered on all cores.
/// Without staged sessions (a workspace whose staging is gone) the pages read the stored rows.
enum GenerateReports {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.store.exercises(runID: ctx.runID)
        guard !exercises.isEmpty else { return TaskOutput(["pages": 0], nothingToDo: true) }
        let touched = Set(exercises.map(\.userID))
        let keys = Set(try await ctx.store.users().filter { touched.contains($0.id) }.map(\.userKey))
        let data = try await ReportData.load(from: ctx.store, now: ctx.now())
        let staged = try await stagedSessionsExist(ctx)
        var written = try await ReportWriter.write(data, to: ctx.workspace.reports, store: ctx.store, userKeys: keys,
                                                   exerciseIDs: staged ? [] : exercises.map(\.id), mapTiles: ctx.configuration.mapTiles)
        if staged {
            let userKeys = data.userKeys
            try await LoadSamples.forEachChunk(ctx, exercises) { chunk in
                var pages: [ReportWriter.ExercisePage] = []
                for (exercise, samples) in chunk {
                    pages.append(try await ReportWriter.exercisePage(exercise, userKey: userKeys[exercise.userID] ?? "",
                                                                     samples: samples, store: ctx.store, mapTiles: ctx.configuration.mapTiles))
                }
                written += try await ReportWriter.writeExercisePages(pages, generatedAt: data.generatedAt, to: ctx.workspace.reports)
            }
        }
        return TaskOutput(["files": written.count, "users": keys.count])
    }

    /// Whether every file of the run that has exercises still has its staged session.
    static func stagedSessionsExist(_ ctx: PipelineContext) async throws -> Bool {
        try await ctx.store.files(runID: ctx.runID).filter { $0.status == .loaded }.allSatisfy { file in
            guard let staged = file.stagedPath else { return false }
            return FileManager.default.fileExists(atPath: ctx.workspace.url(staged).path)
        }
    }
}

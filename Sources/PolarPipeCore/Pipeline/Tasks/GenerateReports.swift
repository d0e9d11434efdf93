/// `generate_reports`: rewrite `reports/index.html`, `summary.json`, `summary.csv`, and the pages of the users
/// this run touched (SPEC §5).
enum GenerateReports {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let exercises = try await ctx.store.exercises(runID: ctx.runID)
        guard !exercises.isEmpty else { return TaskOutput(["pages": 0], nothingToDo: true) }
        let touched = Set(exercises.map(\.userID))
        let keys = Set(try await ctx.store.users().filter { touched.contains($0.id) }.map(\.userKey))
        let data = try await ReportData.load(from: ctx.store, now: ctx.now())
        let written = try await ReportWriter.write(data, to: ctx.workspace.reports, store: ctx.store, userKeys: keys,
                                                   exerciseIDs: exercises.map(\.id))
        return TaskOutput(["files": written.count, "users": keys.count])
    }
}

import Foundation

/// Runs an instance of a mapped per-file task (`PoisonPill.isolatedTasks`) so that a file that kills the process is
/// found and set aside instead of failing the run.
///
/// Normally the instance works on its whole shard at once, holding this process's `gate` shared. Once a try of the
/// instance has died (`PoisonPill.died`), its next tries work on the shard's files one at a time, each holding the
/// gate exclusively — so it is the only file any per-file task of this process is working on — and counted in
/// flight on its ledger row (`attempts` +1 before, −1 after, as `validate_json_files` counts). A file that was in
/// flight for a death of its own as well (`PoisonPill.killedItsShard`) is not worked on again: its exercises (with
/// their samples and statistics) are removed and it is quarantined with reason `internal-error`. Files that were in
/// flight go first, so the next death, if any, is found at once.
enum FileIsolation {
    /// Per-file work of this process: shards share it, a file worked on alone holds it.
    static let gate = IsolationGate()

    static func run(_ taskID: String, _ ctx: PipelineContext,
                    _ body: @escaping @Sendable (PipelineContext) async throws -> TaskOutput) async throws -> TaskOutput {
        guard ctx.mapIndex >= 0 else { return try await body(ctx) }
        // Only a later try can follow a death (read from the instance's recorded tries).
        guard ctx.tryNumber > 1 else { return try await gate.shared { try await body(ctx) } }
        let deaths = try await ctx.store.taskInstances(runID: ctx.runID)
            .filter { $0.taskID == taskID && $0.mapIndex == ctx.mapIndex && $0.error == PoisonPill.died }.count
        guard deaths > 0 else { return try await gate.shared { try await body(ctx) } }
        ctx.logger.notice("working on the shard's files one at a time after a death",
                          metadata: ["pipeline.task_id": "\(taskID)", "pipeline.map_index": "\(ctx.mapIndex)"])
        let files = try await ctx.shardFiles()
            .filter { $0.stagedPath != nil && ($0.state == .validated || $0.state == .loaded || $0.reason == "duplicate-exercise") }
            .sorted { ($0.attempts, -$0.id) > ($1.attempts, -$1.id) }
        var outputs: [TaskOutput] = []
        var quarantined = 0
        for file in files {
            try Task.checkCancellation()
            if PoisonPill.killedItsShard(file) {
                // A duplicate is final and holds nothing loaded: it is only not read again.
                if file.state != .duplicate {
                    try await setAside(file, taskID: taskID, ctx: ctx)
                    quarantined += 1
                }
                continue
            }
            outputs.append(try await gate.exclusive {
                try await ctx.store.addAttempts([file.id], 1)
                do {
                    let output = try await body(ctx.alone(file.id))
                    try await ctx.store.addAttempts([file.id], -1)
                    return output
                } catch {
                    // An error, not a death: the file does not count it.
                    try? await ctx.store.addAttempts([file.id], -1)
                    throw error
                }
            })
        }
        var output = TaskOutput.sum(outputs)
        if quarantined > 0 {
            output.counts["quarantined"] = quarantined
            output.nothingToDo = false
        }
        return output
    }

    /// Removes what the file loaded, then quarantines it (row first, then the move, as every quarantine).
    static func setAside(_ file: FileRecord, taskID: String, ctx: PipelineContext) async throws {
        _ = try await ctx.store.recordExercises(runID: ctx.runID, toleranceMillis: ctx.configuration.duplicateToleranceMillis, [
            FileExercises(fileID: file.id, userID: file.userID ?? 0, layout: file.layout ?? .flowExportOld, exercises: []),
        ])
        let source: Quarantine.Item.Source = file.isOnDisk
            ? .file(ctx.workspace.claimedFile(ctx.runID, id: file.id, originalPath: file.originalPath))
            : .bytes(try Restage.originalBytes(file, ctx: ctx))
        let item = Quarantine.Item(rowID: file.id, source: source, relativePath: file.originalPath, entryName: file.entryName,
                                   userKey: file.userKey)
        try await Quarantine.put(item, PoisonPill.diagnostic(task: taskID, attempts: 1 + file.attempts), sha256: file.sha256,
                                 bytes: file.bytes, ctx: ctx)
    }
}

/// `extract_user_data`: upsert one user per user key of this run's valid files, with the physical information of
/// the newest snapshot among them; a user row changes only when a value changed. Output: the user id mapping.
/// Mapped over file shards: a user whose files lie in several shards is upserted by each, and the store keeps the
/// newest snapshot whatever order they come in (`PhysicalInformation.replaces`).
enum ExtractUserData {
    static func run(_ ctx: PipelineContext) async throws -> TaskOutput {
        let files = try await ctx.shardFiles().filter { $0.state == .validated && $0.stagedPath != nil }
        guard !files.isEmpty else { return TaskOutput(["users": 0], nothingToDo: true) }
        var newest: [String: (at: Int64, physical: PhysicalInformation?)] = [:]
        var polarIDs: [String: String] = [:]
        for file in files {
            let session = try StagedSession.readHeader(try Restage.session(file, ctx: ctx))
            if let polarID = session.polarUserID { polarIDs[file.userKey] = polarID }
            let at = session.physical?.recordedAtLocalMillis ?? session.exercises.map(\.startLocalMillis).max() ?? 0
            let current = newest[file.userKey]
            if current == nil || (session.physical != nil && (current?.physical == nil || at >= current!.at)) {
                newest[file.userKey] = (at, session.physical)
            }
        }
        var changed = 0
        var ids: [String: Int64] = [:]
        for key in newest.keys.sorted() {
            let result = try await ctx.store.upsertUser(key: key, physical: newest[key]?.physical, polarUserID: polarIDs[key], now: ctx.now())
            ids[key] = result.id
            if result.changed { changed += 1 }
        }
        try await ctx.store.setFileUsers(files.compactMap { file in ids[file.userKey].map { (file.id, $0) } })
        return TaskOutput(["users": ids.count, "users_changed": changed])
    }
}

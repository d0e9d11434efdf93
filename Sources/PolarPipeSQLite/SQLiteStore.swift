import Foundation
import GRDB
import GRDBSQLite
import PolarPipeCore

/// The embedded store: one SQLite file in WAL mode with `synchronous = NORMAL`, written through one GRDB
/// `DatabaseQueue`. Sample rows are inserted with a reused prepared statement and raw `sqlite3_bind_*` calls,
/// the fastest path measured here (MEASURED.md).
///
/// Reads of one statement use GRDB's `unsafeRead`: its `read` wraps every closure in `PRAGMA query_only` on and off
/// and a transaction (four statements more, 5 % of the CPU of a run of one-minute sessions), while one SELECT is a
/// consistent snapshot on its own. Reads of several statements keep `read`.
public final class SQLiteStore: PipelineStore, @unchecked Sendable {
    public let queue: DatabaseQueue
    public let path: String
    let checkpointer: BackgroundCheckpointer
    /// The lease token every write checks first (`fenced(by:)`); nil for a store that is not a run's.
    let fence: LeaseFence?

    /// Opens (creating if needed) the database at `path` and applies pending migrations. SQLite's errors on the way
    /// are thrown as `SQLiteOpenError`, a sentence naming the file.
    public init(path: String) throws {
        let checkpointer = BackgroundCheckpointer(path: path)
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // 16 KiB pages for a new database: the sample tables' B-trees take their appends with fewer page splits
            // and the WAL with fewer frames (inserting 1.43 M sample rows: 1.6 s → 1.3 s in the sqlite3 shell).
            // An existing database keeps its page size.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // After a checkpoint the WAL file is cut back to 64 MB.
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
            checkpointer.watch(db.sqliteConnection, pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        self.path = path
        self.checkpointer = checkpointer
        fence = nil
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try SQLiteMigrations.migrator.migrate(queue)
        } catch let error as DatabaseError {
            throw SQLiteOpenError(path: path, error)
        }
    }

    /// The same database for a run that holds the lease with `fence`'s token.
    private init(sharing store: SQLiteStore, fence: LeaseFence) {
        queue = store.queue
        path = store.path
        checkpointer = store.checkpointer
        self.fence = fence
    }

    public func fenced(by fence: LeaseFence) -> any PipelineStore { SQLiteStore(sharing: self, fence: fence) }

    /// Refuses the write of a fenced store whose token is no longer the lease's: the first statement of each write
    /// transaction, which holds SQLite's write lock (GRDB begins writes `IMMEDIATE`), so the lease cannot change
    /// hands before the write commits.
    func checkFence(_ db: Database) throws {
        guard let fence else { return }
        // The common case reads one integer; the whole row only for the error.
        let held = try Int64.fetchOne(db.cachedStatement(sql: "SELECT token FROM run_lease WHERE id = 1 AND run_id = ? AND expires_at <> 0"),
                                      arguments: [fence.runID])
        if fence.admits(heldToken: held) { return }
        try fence.check(try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM run_lease WHERE id = 1")).map(Self.leaseHolder))
    }

    /// A write transaction of the pipeline, fenced (`checkFence`).
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.write { db in
            try self.checkFence(db)
            return try updates(db)
        }
    }

    // MARK: Time

    static func iso(_ millis: Int64) -> String { PolarTime.formatUTC(millis: millis) }
    static func iso(_ millis: Int64?) -> String? { millis.map(PolarTime.formatUTC) }
    static func millis(_ text: String?) -> Int64? { text.flatMap(PolarTime.localMillis) }

    // MARK: Runs

    public func createRun(_ runID: String, startedAt: Int64, trigger: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: """
                INSERT INTO pipeline_runs(run_id, state, started_at, trigger) VALUES (?, 'running', ?, ?)
                ON CONFLICT(run_id) DO UPDATE SET state = 'running', ended_at = NULL
                """).execute(arguments: [runID, Self.iso(startedAt), trigger])
        }
    }

    static func runRecord(_ row: Row) -> RunRecord {
        RunRecord(runID: row["run_id"], state: RunState(rawValue: row["state"]) ?? .failed,
                  startedAt: millis(row["started_at"]) ?? 0, endedAt: millis(row["ended_at"]),
                  trigger: row["trigger"], summary: row["summary"])
    }

    public func run(_ runID: String) async throws -> RunRecord? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM pipeline_runs WHERE run_id = ?"), arguments: [runID]).map(Self.runRecord)
        }
    }

    public func runs(limit: Int) async throws -> [RunRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM pipeline_runs ORDER BY started_at DESC, run_id DESC LIMIT ?"),
                             arguments: [limit]).map(Self.runRecord)
        }
    }

    // Run and task state is written with GRDB's synchronous API: these small writes must happen even in a cancelled
    // task (a run timeout cancels the run), where GRDB's async API throws CancellationError.

    /// A synchronous write, not subject to task cancellation; fenced (`checkFence`).
    func writeNow(_ updates: (Database) throws -> Void) throws {
        try queue.write { db in
            try checkFence(db)
            try updates(db)
        }
    }

    /// A synchronous write that is never fenced: the lease's own changes (`updateLease`), whose rules check tokens.
    func writeNowUnfenced<T>(_ updates: (Database) throws -> T) throws -> T {
        try queue.write(updates)
    }

    public func runCounts() async throws -> [RunState: Int] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM pipeline_runs GROUP BY state"))
                .reduce(into: [:]) { counts, row in if let state = RunState(rawValue: row["state"]) { counts[state] = row["n"] } }
        }
    }

    public func fileCounts() async throws -> [FileStatus: Int] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM ingested_files GROUP BY status"))
                .reduce(into: [:]) { counts, row in if let status = FileStatus(rawValue: row["status"]) { counts[status] = row["n"] } }
        }
    }

    public func finishRun(_ runID: String, state: RunState, endedAt: Int64, summary: String?) async throws {
        try writeNow { db in
            try db.cachedStatement(sql: "UPDATE pipeline_runs SET state = ?, ended_at = ?, summary = COALESCE(?, summary) WHERE run_id = ?").execute(
                           arguments: [state.rawValue, Self.iso(endedAt), summary, runID])
        }
        // The run's pages go into the database file now, as part of the run. A passive checkpoint never waits for
        // readers; what it cannot copy stays in the WAL, which is valid, for the next checkpoint.
        try checkpointNow()
    }

    /// A passive checkpoint, synchronous like `writeNow`, after the background ones. When it copied the whole WAL
    /// (no reader held a page back), the WAL is also cut to zero bytes: a command-line process ends without closing
    /// its connections, and the next one to open the database would otherwise read up to 64 MB of already copied WAL
    /// to rebuild its index (0.3 s after a run of 10 000 sessions).
    func checkpointNow() throws {
        checkpointer.drain()
        try queue.writeWithoutTransaction { db in
            let result = try db.checkpoint(.passive)
            if result.walFrameCount == result.checkpointedFrameCount { _ = try? db.checkpoint(.truncate) }
        }
    }

    public func recordTask(_ t: TaskInstanceRecord) async throws {
        try writeNow { db in
            try db.cachedStatement(sql: """
                INSERT INTO task_instances(run_id, task_id, map_index, try_number, state, started_at, ended_at, error, output)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(run_id, task_id, map_index, try_number) DO UPDATE SET
                    state = excluded.state, started_at = COALESCE(excluded.started_at, started_at),
                    ended_at = excluded.ended_at, error = excluded.error, output = excluded.output
                """).execute(arguments: [t.runID, t.taskID, t.mapIndex, t.tryNumber, t.state.rawValue, Self.iso(t.startedAt),
                                 Self.iso(t.endedAt), t.error, t.output])
        }
    }

    public func taskInstances(runID: String) async throws -> [TaskInstanceRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM task_instances WHERE run_id = ? ORDER BY rowid"), arguments: [runID]).map { row in
                TaskInstanceRecord(runID: row["run_id"], taskID: row["task_id"], mapIndex: row["map_index"], tryNumber: row["try_number"],
                                   state: TaskState(rawValue: row["state"]) ?? .failed, startedAt: Self.millis(row["started_at"]),
                                   endedAt: Self.millis(row["ended_at"]), error: row["error"], output: row["output"])
            }
        }
    }

    static func leaseHolder(_ row: Row) -> LeaseHolder {
        LeaseHolder(runID: row["run_id"],
                    owner: LeaseOwner(pid: row["owner_pid"], host: row["owner_host"],
                                      mode: LeaseOwner.Mode(rawValue: row["owner_mode"]) ?? .process),
                    acquiredAt: row["acquired_at"], expiresAt: row["expires_at"], token: row["token"])
    }

    public func currentLease() async throws -> LeaseHolder? {
        try await queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM run_lease WHERE id = 1 AND expires_at <> 0").map(Self.leaseHolder) }
    }

    public func updateLease(_ decide: @Sendable (LeaseHolder?) -> RunLease.Decision) async throws -> RunLease.Decision {
        try writeNowUnfenced { db in
            let decision = decide(try Row.fetchOne(db, sql: "SELECT * FROM run_lease WHERE id = 1").map(Self.leaseHolder))
            switch decision {
            case .grant(let h):
                try db.cachedStatement(sql: """
                    INSERT INTO run_lease(id, run_id, owner_pid, owner_host, owner_mode, acquired_at, expires_at, token)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET run_id = excluded.run_id, owner_pid = excluded.owner_pid,
                        owner_host = excluded.owner_host, owner_mode = excluded.owner_mode, acquired_at = excluded.acquired_at,
                        expires_at = excluded.expires_at, token = excluded.token
                    """).execute(arguments: [h.runID, h.owner.pid, h.owner.host, h.owner.mode.rawValue, h.acquiredAt, h.expiresAt, h.token])
            case .release:
                try db.execute(sql: "UPDATE run_lease SET expires_at = 0 WHERE id = 1")
            case .blocked:
                break
            }
            return decision
        }
    }

    // MARK: Files

    public func fileID(loadedSHA256 sha256: String) async throws -> Int64? {
        try await queue.unsafeRead { db in
            try Int64.fetchOne(try db.cachedStatement(sql: "SELECT id FROM ingested_files WHERE sha256 = ? AND status = 'loaded' LIMIT 1"), arguments: [sha256])
        }
    }

    public func fileID(skippedSHA256 sha256: String) async throws -> Int64? {
        try await queue.unsafeRead { db in
            try Int64.fetchOne(try db.cachedStatement(sql: "SELECT id FROM ingested_files WHERE sha256 = ? AND status = 'skipped' LIMIT 1"), arguments: [sha256])
        }
    }

    public func claimFiles(_ files: [ClaimedFile]) async throws -> [Int64] {
        guard !files.isEmpty else { return [] }
        return try await write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO ingested_files(sha256, path, original_path, entry_name, parent_id, user_key, run_id, state, status, bytes,
                                           attempts, ingested_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'claimed', 'pending', ?, ?, ?)
                """)
            let now = Self.iso(Clock.nowMillis())
            return try files.map { f in
                try insert.execute(arguments: [f.sha256, f.path, f.originalPath, f.entryName, f.parentID, f.userKey, f.runID, f.bytes,
                                               f.attempts, now])
                return db.lastInsertedRowID
            }
        }
    }

    /// A ledger row of `fileColumns`, read by position: GRDB's lookup by name lower-cases the name for every value
    /// it reads, which cost a fifth of the time of a page that reads a whole run.
    static func fileRecord(_ row: Row) -> FileRecord {
        FileRecord(id: row[0], sha256: row[1], path: row[2], originalPath: row[3], entryName: row[4], parentID: row[5], userKey: row[6],
                   userID: row[7], runID: row[8], state: FileState(rawValue: row[9]) ?? .claimed, reason: row[10],
                   layout: (row[11] as String?).flatMap(PolarLayout.init(rawValue:)), bytes: row[12], stagedPath: row[13],
                   attempts: row[14], shard: row[15])
    }

    /// The columns `fileRecord` reads, in its order.
    static let fileColumns = """
        id, sha256, path, original_path, entry_name, parent_id, user_key, user_id, run_id, state, reason, layout, bytes, staged_path,
        attempts, shard
        """

    public func files(runID: String) async throws -> [FileRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.fileColumns) FROM ingested_files WHERE run_id = ? ORDER BY id"), arguments: [runID])
                .map(Self.fileRecord)
        }
    }

    public func files(runID: String, afterID: Int64, limit: Int) async throws -> [FileRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.fileColumns) FROM ingested_files WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?"),
                             arguments: [runID, afterID, max(0, limit)]).map(Self.fileRecord)
        }
    }

    public func archiveIDs(runID: String) async throws -> Set<Int64> {
        try await queue.unsafeRead { db in
            Set(try Int64.fetchAll(try db.cachedStatement(sql: """
                SELECT DISTINCT parent_id FROM ingested_files WHERE run_id = ? AND parent_id IS NOT NULL
                """), arguments: [runID]))
        }
    }

    public func fileShardCount(runID: String) async throws -> Int {
        try await queue.unsafeRead { db in
            try Int.fetchOne(try db.cachedStatement(sql: "SELECT coalesce(max(shard) + 1, 0) FROM ingested_files WHERE run_id = ?"),
                             arguments: [runID]) ?? 0
        }
    }

    public func files(runID: String, shard: Int) async throws -> [FileRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.fileColumns) FROM ingested_files WHERE run_id = ? AND shard = ? ORDER BY id"),
                             arguments: [runID, shard]).map(Self.fileRecord)
        }
    }

    public func shardedUserKeys(runID: String) async throws -> [String] {
        try await queue.unsafeRead { db in
            try String.fetchAll(try db.cachedStatement(sql: """
                SELECT DISTINCT user_key FROM ingested_files WHERE run_id = ? AND shard IS NOT NULL ORDER BY user_key
                """), arguments: [runID])
        }
    }

    public func file(id: Int64) async throws -> FileRecord? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.fileColumns) FROM ingested_files WHERE id = ?"), arguments: [id]).map(Self.fileRecord)
        }
    }

    public func entries(ofArchive id: Int64) async throws -> [FileRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.fileColumns) FROM ingested_files WHERE parent_id = ? ORDER BY id"), arguments: [id])
                .map(Self.fileRecord)
        }
    }

    public func partialArchive(sha256: String, userKey: String) async throws -> FileRecord? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT \(Self.fileColumns) FROM ingested_files WHERE sha256 = ? AND user_key = ? AND state = 'partial' ORDER BY id LIMIT 1
                """), arguments: [sha256, userKey]).map(Self.fileRecord)
        }
    }

    public func updateFiles(_ updates: [FileUpdate]) async throws {
        guard !updates.isEmpty else { return }
        try await write { db in
            let current = try db.cachedStatement(sql: "SELECT state FROM ingested_files WHERE id = ?")
            let update = try db.cachedStatement(sql: """
                UPDATE ingested_files SET state = ?1, status = ?2, path = COALESCE(?3, path),
                    reason = CASE WHEN ?4 THEN ?5 ELSE reason END, sha256 = COALESCE(?6, sha256), layout = COALESCE(?7, layout),
                    staged_path = COALESCE(?8, staged_path), run_id = COALESCE(?9, run_id), shard = COALESCE(?10, shard),
                    attempts = CASE WHEN state = ?1 THEN attempts ELSE 0 END
                WHERE id = ?11
                """)
            for u in updates {
                let from = try String.fetchOne(current, arguments: [u.id]).flatMap(FileState.init(rawValue:))
                guard let from else { throw LedgerError(fileID: u.id, from: .claimed, to: u.state) }
                guard from.canMove(to: u.state) else { throw LedgerError(fileID: u.id, from: from, to: u.state) }
                try update.execute(arguments: [u.state.rawValue, u.state.status.rawValue, u.path, u.reason != nil, u.reason ?? nil,
                                               u.sha256, u.layout?.rawValue, u.stagedPath, u.runID, u.shard, u.id])
            }
        }
    }

    public func forgetClaims(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            let delete = try db.cachedStatement(sql: """
                DELETE FROM ingested_files WHERE id = ? AND state = 'claimed'
                    AND NOT EXISTS (SELECT 1 FROM ingested_files c WHERE c.parent_id = ingested_files.id)
                """)
            for id in ids { try delete.execute(arguments: [id]) }
        }
    }

    public func addAttempts(_ ids: [Int64], _ delta: Int) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            let update = try db.cachedStatement(sql: "UPDATE ingested_files SET attempts = max(0, attempts + ?) WHERE id = ?")
            for id in ids { try update.execute(arguments: [delta, id]) }
        }
    }

    public func adoptClaim(_ claimID: Int64, into partialID: Int64, path: String) async throws {
        try await write { db in
            guard let claim = try Row.fetchOne(db, sql: "SELECT run_id FROM ingested_files WHERE id = ? AND state = 'claimed'", arguments: [claimID]),
                  try String.fetchOne(db, sql: "SELECT state FROM ingested_files WHERE id = ?", arguments: [partialID]) == FileState.partial.rawValue
            else { throw LedgerError(fileID: partialID, from: .partial, to: .claimed) }
            try db.execute(sql: "DELETE FROM ingested_files WHERE id = ?", arguments: [claimID])
            try db.execute(sql: "UPDATE ingested_files SET state = 'claimed', status = 'pending', run_id = ?, path = ?, attempts = 0 WHERE id = ?",
                           arguments: [claim["run_id"] as String, path, partialID])
        }
    }

    public func setFileUsers(_ users: [(fileID: Int64, userID: Int64)]) async throws {
        guard !users.isEmpty else { return }
        try await write { db in
            let update = try db.cachedStatement(sql: "UPDATE ingested_files SET user_id = ? WHERE id = ?")
            for (fileID, userID) in users { try update.execute(arguments: [userID, fileID]) }
        }
    }

    // MARK: Users

    static func userRecord(_ row: Row) -> UserRecord {
        UserRecord(id: row["id"], userKey: row["user_key"], polarUserID: row["polar_user_id"],
                   physical: PhysicalInformation(sex: row["sex"], birthday: row["birthday"], heightCm: row["height_cm"],
                                                 weightKg: row["weight_kg"], maxHR: row["max_hr"], restingHR: row["resting_hr"],
                                                 vo2max: row["vo2max"], aerobicThreshold: row["aerobic_threshold"],
                                                 anaerobicThreshold: row["anaerobic_threshold"], ftpW: row["ftp_w"],
                                                 recordedAtLocalMillis: millis(row["physical_recorded_at"])),
                   updatedAt: millis(row["updated_at"]) ?? 0)
    }

    public func user(key: String) async throws -> UserRecord? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE user_key = ?"), arguments: [key]).map(Self.userRecord)
        }
    }

    public func users() async throws -> [UserRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE \(Self.athlete) ORDER BY user_key").map(Self.userRecord)
        }
    }

    /// Users that are athletes: not an account that only holds an admin token (one with exercises of its own stays).
    static let athlete = """
        NOT (EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_key = users.user_key AND t.is_admin = 1)
             AND NOT EXISTS (SELECT 1 FROM exercises e WHERE e.user_id = users.id))
        """

    public func upsertUser(key: String, physical: PhysicalInformation?, polarUserID: String?, now: Int64) async throws -> (id: Int64, changed: Bool) {
        try await write { db in
            let existing = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM users WHERE user_key = ?"), arguments: [key]).map(Self.userRecord)
            if let existing {
                var changed = false
                if let polarUserID, polarUserID != existing.polarUserID {
                    try db.cachedStatement(sql: "UPDATE users SET polar_user_id = ?, updated_at = ? WHERE id = ?").execute(
                                   arguments: [polarUserID, Self.iso(now), existing.id])
                    changed = true
                }
                guard let physical, physical.replaces(existing.physical) else { return (existing.id, changed) }
                try db.cachedStatement(sql: """
                    UPDATE users SET sex = ?, birthday = ?, height_cm = ?, weight_kg = ?, max_hr = ?, resting_hr = ?, vo2max = ?,
                        aerobic_threshold = ?, anaerobic_threshold = ?, ftp_w = ?, physical_recorded_at = ?, updated_at = ? WHERE id = ?
                    """).execute(arguments: Self.physicalArguments(physical) + [Self.iso(now), existing.id])
                return (existing.id, true)
            }
            let p = physical ?? PhysicalInformation()
            try db.cachedStatement(sql: """
                INSERT INTO users(sex, birthday, height_cm, weight_kg, max_hr, resting_hr, vo2max, aerobic_threshold,
                    anaerobic_threshold, ftp_w, physical_recorded_at, created_at, updated_at, user_key, polar_user_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: Self.physicalArguments(p) + [Self.iso(now), Self.iso(now), key, polarUserID])
            return (db.lastInsertedRowID, true)
        }
    }

    static func physicalArguments(_ p: PhysicalInformation) -> StatementArguments {
        [p.sex, p.birthday, p.heightCm, p.weightKg, p.maxHR, p.restingHR, p.vo2max, p.aerobicThreshold,
         p.anaerobicThreshold, p.ftpW, iso(p.recordedAtLocalMillis)]
    }

    // MARK: Exercises

    public func recordExercises(runID: String, toleranceMillis: Int64, _ files: [FileExercises]) async throws -> [RecordedExercises] {
        guard !files.isEmpty else { return [] }
        return try await write { db in
            let candidates = try db.cachedStatement(sql: """
                SELECT id, file_id, layout, sport, start_utc_ms, tz_offset_min, duration_s, sample_channels FROM exercises
                WHERE user_id = ? AND start_utc_ms BETWEEN ? AND ? AND file_id <> ?
                """)
            return try files.map { file in
                let decisions = try file.exercises.map { item in
                    let range = DuplicateExercise.searchRange(around: item.exercise.startUTCMillis, toleranceMillis: toleranceMillis)
                    let stored = try Row.fetchAll(candidates, arguments: [file.userID, range.lowerBound, range.upperBound, file.fileID])
                        .map(Self.footprint)
                    return DuplicateExercise.decide(ExerciseFootprint(item.exercise, layout: file.layout), among: stored,
                                                    toleranceMillis: toleranceMillis)
                }
                let outcome = RecordedExercises.Plan(file.exercises, decisions)
                try Self.deleteExercises(outcome.replacedIDs, db)
                let ids = try Self.replaceExercises(of: file, outcome.stored, runID: runID, db)
                return RecordedExercises(ids: ids, duplicates: outcome.duplicates, replaced: outcome.replacedIDs.count)
            }
        }
    }

    static func footprint(_ row: Row) -> ExerciseFootprint {
        ExerciseFootprint(id: row["id"], fileID: row["file_id"],
                          layout: (row["layout"] as String?).flatMap(PolarLayout.init(rawValue:)) ?? .flowExportOld,
                          sport: row["sport"], startUTCMillis: row["start_utc_ms"], tzOffsetMinutes: row["tz_offset_min"],
                          durationS: row["duration_s"],
                          channels: (row["sample_channels"] as Int?).map(SampleChannels.init(rawValue:)) ?? .all)
    }

    /// Deletes the file's exercises (and everything hanging on them) and inserts `exercises`; returns their ids.
    static func replaceExercises(of file: FileExercises, _ exercises: [NewExercise], runID: String, _ db: Database) throws -> [Int64] {
        let old = try Int64.fetchAll(try db.cachedStatement(sql: "SELECT id FROM exercises WHERE file_id = ?"), arguments: [file.fileID])
        try deleteExercises(old, db)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO exercises(user_id, file_id, run_id, exercise_index, external_id, layout, sport, sport_raw,
                start_time_utc, start_time_local, start_utc_ms, tz_offset_min, duration_s, distance_m, calories,
                device_id, reported_hr_min, reported_hr_avg, reported_hr_max, ascent_m, descent_m, raw,
                max_hr, resting_hr, sex, birthday, ftp_w, sample_channels, hr_zone_limits)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let series = try db.cachedStatement(sql: "INSERT INTO exercise_series(exercise_id, channel, samples, t, value) VALUES (?, ?, ?, ?, ?)")
        var ids: [Int64] = []
        for item in exercises {
            let e = item.exercise
            try insert.execute(arguments: [file.userID, file.fileID, runID, item.index, e.externalID, file.layout.rawValue, e.sport, e.sportRaw,
                                           iso(e.startUTCMillis), PolarTime.format(millis: e.startLocalMillis, fraction: true),
                                           e.startUTCMillis, e.tzOffsetMinutes, e.durationS, e.distanceM, e.calories, item.deviceID,
                                           e.reportedHR?.min, e.reportedHR?.avg, e.reportedHR?.max, e.ascentM, e.descentM, e.raw,
                                           item.physical?.maxHR, item.physical?.restingHR, item.physical?.sex, item.physical?.birthday,
                                           item.physical?.ftpW, SampleChannels(e.samples).rawValue, e.heartRateZones?.text])
            let id = db.lastInsertedRowID
            ids.append(id)
            for (channel, keyPath) in ExerciseSamples.seriesChannels where !e.samples[keyPath: keyPath].isEmpty {
                let values = e.samples[keyPath: keyPath]
                try series.execute(arguments: [id, channel, values.count, blob(values.t), blob(values.value)])
            }
        }
        return ids
    }

    /// Which of the exercises are still stored. Instances of two shards may meet: a richer copy in one shard replaces
    /// an exercise whose samples or statistics another shard is about to write; those writes then write nothing
    /// (the writes are serialised, so the check and the write are one step).
    static func storedExercises(_ ids: [Int64], _ db: Database) throws -> Set<Int64> {
        let select = try db.cachedStatement(sql: "SELECT id FROM exercises WHERE id = ?")
        return Set(try ids.filter { try Int64.fetchOne(select, arguments: [$0]) != nil })
    }

    static func deleteExercises(_ ids: [Int64], _ db: Database) throws {
        for id in ids {
            for table in ["heart_rate_samples", "gps_route_points", "exercise_series", "exercise_splits", "exercise_statistics"] {
                try db.cachedStatement(sql: "DELETE FROM \(table) WHERE exercise_id = ?").execute(arguments: [id])
            }
            try db.cachedStatement(sql: "DELETE FROM exercises WHERE id = ?").execute(arguments: [id])
        }
    }

    static func blob(_ values: [Double]) -> Data { values.withUnsafeBytes { Data($0) } }

    static func doubles(_ data: Data) -> [Double] {
        data.withUnsafeBytes { raw in
            (0 ..< raw.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
    }

    static func exerciseRecord(_ row: Row) -> ExerciseRecord {
        let physical = PhysicalInformation(sex: row[12], birthday: row[13], maxHR: row[10], restingHR: row[11], ftpW: row[14])
        return ExerciseRecord(id: row[0], userID: row[1], fileID: row[2], exerciseIndex: row[3], sport: row[4], startUTCMillis: row[5],
                              tzOffsetMinutes: row[6], durationS: row[7], distanceM: row[8], calories: row[9],
                              physical: physical.isEmpty && physical.restingHR == nil ? nil : physical,
                              heartRateZones: (row[15] as String?).flatMap(HeartRateZoneLimits.init(text:)))
    }

    /// The columns `exerciseRecord` reads by position, in its order (a query may add columns after them).
    static let exerciseColumns = """
        id, user_id, file_id, exercise_index, sport, start_utc_ms, tz_offset_min, duration_s, distance_m, calories,
        max_hr, resting_hr, sex, birthday, ftp_w, hr_zone_limits
        """

    public func exercises(runID: String) async throws -> [ExerciseRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.exerciseColumns) FROM exercises WHERE run_id = ? ORDER BY id"),
                             arguments: [runID]).map(Self.exerciseRecord)
        }
    }

    public func exercises(runID: String, afterID: Int64, limit: Int) async throws -> [ExerciseRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT \(Self.exerciseColumns) FROM exercises WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?
                """), arguments: [runID, afterID, max(0, limit)]).map(Self.exerciseRecord)
        }
    }

    public func exerciseCount(runID: String) async throws -> Int {
        try await queue.unsafeRead { db in
            try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM exercises WHERE run_id = ?"), arguments: [runID]) ?? 0
        }
    }

    /// `exerciseColumns` qualified by the table alias `e`, for queries that join the ledger.
    static let joinedExerciseColumns = exerciseColumns.split(separator: ",")
        .map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    public func exercises(runID: String, fileShard: Int) async throws -> [ExerciseRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT \(Self.joinedExerciseColumns)
                FROM ingested_files f JOIN exercises e ON e.file_id = f.id
                WHERE f.run_id = ? AND f.shard = ? AND e.run_id = ? ORDER BY e.id
                """), arguments: [runID, fileShard, runID]).map(Self.exerciseRecord)
        }
    }

    public func exerciseUserIDs(runID: String) async throws -> [Int64] {
        try await queue.unsafeRead { db in
            try Int64.fetchAll(try db.cachedStatement(sql: "SELECT DISTINCT user_id FROM exercises WHERE run_id = ? ORDER BY user_id"),
                               arguments: [runID])
        }
    }

    public func exercise(id: Int64) async throws -> ExerciseRecord? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.exerciseColumns) FROM exercises WHERE id = ?"), arguments: [id]).map(Self.exerciseRecord)
        }
    }

    public func allExerciseIDs() async throws -> [Int64] {
        try await queue.unsafeRead { db in try Int64.fetchAll(db, sql: "SELECT id FROM exercises ORDER BY id") }
    }

    // MARK: Samples

    public func replaceHeartRateSamples(_ batch: [(exerciseID: Int64, samples: SampleSeries, rejected: Int)]) async throws {
        try await write { db in
            let delete = try db.makeStatement(sql: "DELETE FROM heart_rate_samples WHERE exercise_id = ?")
            let reject = try db.makeStatement(sql: "UPDATE exercises SET hr_samples_rejected = ? WHERE id = ?")
            let insert = try BulkInsert(db, table: "heart_rate_samples", columns: ["exercise_id", "t", "bpm"])
            let stored = try Self.storedExercises(batch.map(\.exerciseID), db)
            for item in batch where stored.contains(item.exerciseID) {
                try delete.execute(arguments: [item.exerciseID])
                try reject.execute(arguments: [item.rejected, item.exerciseID])
                let s = item.samples
                try s.t.withUnsafeBufferPointer { t in
                    try s.value.withUnsafeBufferPointer { v in
                        try insert.insert(rows: s.count) { h, p, i in
                            sqlite3_bind_int64(h, p, item.exerciseID)
                            sqlite3_bind_double(h, p + 1, t[i])
                            let bpm = v[i]
                            if bpm == bpm.rounded() { sqlite3_bind_int64(h, p + 2, Int64(bpm)) } else { sqlite3_bind_double(h, p + 2, bpm) }
                        }
                    }
                }
            }
        }
    }

    public func replaceRoutePoints(_ batch: [(exerciseID: Int64, route: RouteSeries, rejected: Int)]) async throws {
        try await write { db in
            let delete = try db.makeStatement(sql: "DELETE FROM gps_route_points WHERE exercise_id = ?")
            let reject = try db.makeStatement(sql: "UPDATE exercises SET gps_points_rejected = ? WHERE id = ?")
            let insert = try BulkInsert(db, table: "gps_route_points", columns: ["exercise_id", "t", "latitude", "longitude", "altitude_m"])
            let stored = try Self.storedExercises(batch.map(\.exerciseID), db)
            for item in batch where stored.contains(item.exerciseID) {
                try delete.execute(arguments: [item.exerciseID])
                try reject.execute(arguments: [item.rejected, item.exerciseID])
                let r = item.route
                try insert.insert(rows: r.count) { h, p, i in
                    sqlite3_bind_int64(h, p, item.exerciseID)
                    sqlite3_bind_double(h, p + 1, r.t[i])
                    sqlite3_bind_double(h, p + 2, r.latitude[i])
                    sqlite3_bind_double(h, p + 3, r.longitude[i])
                    if r.altitude[i].isNaN { sqlite3_bind_null(h, p + 4) } else { sqlite3_bind_double(h, p + 4, r.altitude[i]) }
                }
            }
        }
    }

    /// Multi-row `INSERT … VALUES (…), (…), …` with raw `sqlite3_bind_*`: one statement execution per
    /// `rowsPerStatement` rows instead of per row.
    struct BulkInsert {
        static let rowsPerStatement = 128
        let db: Database
        let width: Int32
        let many: Statement
        let one: Statement

        init(_ db: Database, table: String, columns: [String]) throws {
            self.db = db
            width = Int32(columns.count)
            let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
            let head = "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
            many = try db.cachedStatement(sql: head + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ","))
            one = try db.cachedStatement(sql: head + row)
        }

        /// Calls `bind(statement, firstParameter, row)` for rows 0..<rows.
        @inline(__always)
        func insert(rows: Int, _ bind: (OpaquePointer, Int32, Int) -> Void) throws {
            var i = 0
            let m = many.sqliteStatement
            while i + Self.rowsPerStatement <= rows {
                for k in 0 ..< Self.rowsPerStatement { bind(m, Int32(k) * width + 1, i + k) }
                try SQLiteStore.step(m, db)
                i += Self.rowsPerStatement
            }
            let o = one.sqliteStatement
            while i < rows {
                bind(o, 1, i)
                try SQLiteStore.step(o, db)
                i += 1
            }
        }
    }

    @inline(__always)
    static func step(_ h: OpaquePointer, _ db: Database) throws {
        let code = sqlite3_step(h)
        sqlite3_reset(h)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    public func samples(exerciseID: Int64) async throws -> ExerciseSamples {
        try await queue.read { db in
            var s = ExerciseSamples()
            let hr = try db.makeStatement(sql: "SELECT t, bpm FROM heart_rate_samples WHERE exercise_id = ? ORDER BY t")
            hr.setUncheckedArguments([exerciseID])
            let h = hr.sqliteStatement
            var code = sqlite3_step(h)
            while code == SQLITE_ROW {
                s.heartRate.append(sqlite3_column_double(h, 0), sqlite3_column_double(h, 1))
                code = sqlite3_step(h)
            }
            sqlite3_reset(h)
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
            let gps = try db.makeStatement(sql: "SELECT t, latitude, longitude, altitude_m FROM gps_route_points WHERE exercise_id = ? ORDER BY t")
            gps.setUncheckedArguments([exerciseID])
            let g = gps.sqliteStatement
            code = sqlite3_step(g)
            while code == SQLITE_ROW {
                let alt = sqlite3_column_type(g, 3) == SQLITE_NULL ? Double.nan : sqlite3_column_double(g, 3)
                s.route.append(sqlite3_column_double(g, 0), sqlite3_column_double(g, 1), sqlite3_column_double(g, 2), alt)
                code = sqlite3_step(g)
            }
            sqlite3_reset(g)
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
            for row in try Row.fetchAll(try db.cachedStatement(sql: "SELECT channel, t, value FROM exercise_series WHERE exercise_id = ?"), arguments: [exerciseID]) {
                let channel: String = row["channel"]
                if let keyPath = ExerciseSamples.seriesChannels.first(where: { $0.name == channel })?.keyPath {
                    s[keyPath: keyPath] = SampleSeries(t: Self.doubles(row["t"]), value: Self.doubles(row["value"]))
                }
            }
            return s
        }
    }

    // MARK: Statistics

    public func upsertExerciseStatistics(_ batch: [(exerciseID: Int64, stats: ExerciseStatistics)]) async throws {
        try await write { db in
            let statement = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO exercise_statistics(exercise_id, hr_samples, hr_min, hr_max, hr_avg, hr_sum, gps_points,
                    duration_s, distance_m, gps_distance_m, avg_speed_kmh, pace_min_per_km, elevation_gain_m, elevation_loss_m,
                    moving_time_s, hr_zone1_s, hr_zone2_s, hr_zone3_s, hr_zone4_s, hr_zone5_s, trimp,
                    best_1km_s, best_5km_s, best_10km_s, profile_sex, profile_hr_zones,
                    \(ExerciseStatistics.extendedColumnNames.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: 26 + ExerciseStatistics.extendedColumnNames.count).joined(separator: ", ")))
                """)
            let deleteSplits = try db.makeStatement(sql: "DELETE FROM exercise_splits WHERE exercise_id = ?")
            let insertSplit = try db.makeStatement(sql: """
                INSERT INTO exercise_splits(exercise_id, km, time_s, pace_min_per_km, hr_avg, elevation_m) VALUES (?, ?, ?, ?, ?, ?)
                """)
            let stored = try Self.storedExercises(batch.map(\.exerciseID), db)
            for (id, s) in batch where stored.contains(id) {
                let z = s.hrZonesS
                var arguments: StatementArguments = [id, s.hrSamples, s.hrMin, s.hrMax, s.hrAvg, s.hrSum, s.gpsPoints, s.durationS,
                                                     s.distanceM, s.gpsDistanceM, s.avgSpeedKmh, s.paceMinPerKm,
                                                     s.elevationGainM, s.elevationLossM, s.movingTimeS]
                arguments += [z?[0], z?[1], z?[2], z?[3], z?[4], s.trimp, s.best1kmS, s.best5kmS, s.best10kmS, s.profile?.sex,
                              s.profile?.hrZones?.text]
                arguments += StatementArguments(s.extendedColumnValues.map { $0 as (any DatabaseValueConvertible)? })
                try statement.execute(arguments: arguments)
                try deleteSplits.execute(arguments: [id])
                for split in s.splits {
                    try insertSplit.execute(arguments: [id, split.km, split.timeS, split.paceMinPerKm, split.hrAvg, split.elevationM])
                }
            }
        }
    }

    static func exerciseStatistics(_ row: Row) -> ExerciseStatistics {
        var s = ExerciseStatistics(durationS: row["duration_s"])
        s.hrSamples = row["hr_samples"]
        s.hrMin = row["hr_min"]
        s.hrMax = row["hr_max"]
        s.hrAvg = row["hr_avg"]
        s.hrSum = row["hr_sum"]
        s.gpsPoints = row["gps_points"]
        s.distanceM = row["distance_m"]
        s.gpsDistanceM = row["gps_distance_m"]
        s.avgSpeedKmh = row["avg_speed_kmh"]
        s.paceMinPerKm = row["pace_min_per_km"]
        s.elevationGainM = row["elevation_gain_m"]
        s.elevationLossM = row["elevation_loss_m"]
        s.movingTimeS = row["moving_time_s"]
        s.trimp = row["trimp"]
        s.best1kmS = row["best_1km_s"]
        s.best5kmS = row["best_5km_s"]
        s.best10kmS = row["best_10km_s"]
        let zones: [Double?] = ["hr_zone1_s", "hr_zone2_s", "hr_zone3_s", "hr_zone4_s", "hr_zone5_s"].map { row[$0] }
        s.hrZonesS = zones[0] == nil ? nil : zones.map { $0 ?? 0 }
        s.readExtendedColumns(sex: row["profile_sex"], hrZones: row["profile_hr_zones"]) { row[$0] }
        return s
    }

    public func statisticsProfiles(userID: Int64) async throws -> [(exercise: ExerciseRecord, profile: HeartRateProfile?)] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT x.*, s.profile_max_hr, s.profile_resting_hr, s.profile_sex, s.profile_ftp_w, s.profile_hr_zones
                FROM (SELECT \(Self.exerciseColumns) FROM exercises WHERE user_id = ?) x
                JOIN exercise_statistics s ON s.exercise_id = x.id ORDER BY x.id
                """), arguments: [userID]).map { row in
                let profile = HeartRateProfile(maxHR: row["profile_max_hr"], restingHR: row["profile_resting_hr"], sex: row["profile_sex"],
                                               ftpW: row["profile_ftp_w"],
                                               hrZones: (row["profile_hr_zones"] as String?).flatMap(HeartRateZoneLimits.init(text:)))
                return (Self.exerciseRecord(row), profile.isEmpty ? nil : profile)
            }
        }
    }

    public func exerciseStatistics(exerciseID: Int64) async throws -> ExerciseStatistics? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM exercise_statistics WHERE exercise_id = ?"), arguments: [exerciseID])
                .map(Self.exerciseStatistics)
        }
    }

    public func exerciseSummaries(userID: Int64) async throws -> [ExerciseSummary] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT \(Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
                WHERE e.user_id = ? ORDER BY e.start_utc_ms, e.id
                """), arguments: [userID]).map(Self.summary)
        }
    }

    public func upsertUserStatistics(userID: Int64, _ s: UserStatistics, computedAt: Int64) async throws {
        try await write { db in
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO user_statistics(user_id, total_exercises, total_distance_m, total_duration_s, total_calories,
                    avg_distance_m, avg_duration_s, avg_hr, total_hr_samples, most_common_sport, first_exercise_at, last_exercise_at,
                    computed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [userID, s.totalExercises, s.totalDistanceM, s.totalDurationS, s.totalCalories, s.avgDistanceM,
                                 s.avgDurationS, s.avgHR, s.totalHRSamples, s.mostCommonSport, Self.iso(s.firstExerciseAtMillis),
                                 Self.iso(s.lastExerciseAtMillis), Self.iso(computedAt)])
        }
    }

    public func userStatistics(userID: Int64) async throws -> UserStatistics? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM user_statistics WHERE user_id = ?"), arguments: [userID]).map { row in
                UserStatistics(totalExercises: row["total_exercises"], totalDistanceM: row["total_distance_m"],
                               totalDurationS: row["total_duration_s"], totalCalories: row["total_calories"],
                               avgDistanceM: row["avg_distance_m"], avgDurationS: row["avg_duration_s"], avgHR: row["avg_hr"],
                               totalHRSamples: row["total_hr_samples"], mostCommonSport: row["most_common_sport"],
                               firstExerciseAtMillis: Self.millis(row["first_exercise_at"]),
                               lastExerciseAtMillis: Self.millis(row["last_exercise_at"]))
            }
        }
    }

    public func computeGlobalStatistics() async throws -> GlobalStatistics {
        try await queue.read { db in
            var g = GlobalStatistics()
            g.totalUsers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE \(Self.athlete)") ?? 0
            if let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, COALESCE(SUM(s.distance_m), 0) AS distance, COALESCE(SUM(e.duration_s), 0) AS duration,
                    COALESCE(SUM(e.calories), 0) AS calories, COALESCE(SUM(s.hr_samples), 0) AS hr, COALESCE(SUM(s.gps_points), 0) AS gps,
                    MAX(e.start_utc_ms) AS newest
                FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
                """) {
                g.totalExercises = row["n"]
                g.totalDistanceM = row["distance"]
                g.totalDurationS = row["duration"]
                g.totalCalories = row["calories"]
                g.totalHRSamples = row["hr"]
                g.totalGPSPoints = row["gps"]
                if let newest: Int64 = row["newest"] {
                    let week: Int64 = 7 * 86_400_000
                    g.exercisesLast7d = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM exercises WHERE start_utc_ms > ? AND start_utc_ms <= ?"),
                                                         arguments: [newest - week, newest]) ?? 0
                    g.exercisesPrev7d = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM exercises WHERE start_utc_ms > ? AND start_utc_ms <= ?"),
                                                         arguments: [newest - 2 * week, newest - week]) ?? 0
                }
            }
            g.sportDistribution = try Row.fetchAll(db, sql: """
                SELECT sport, COUNT(*) AS n FROM exercises GROUP BY sport ORDER BY n DESC, sport
                """).map { SportCount(sport: $0["sport"], exercises: $0["n"]) }
            return g
        }
    }

    public func insertGlobalStatistics(runID: String, computedAt: Int64, _ g: GlobalStatistics) async throws {
        let sports = String(decoding: try JSONEncoder().encode(g.sportDistribution), as: UTF8.self)
        try await write { db in
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO global_statistics(run_id, computed_at, total_users, total_exercises, total_distance_m,
                    total_duration_s, total_calories, total_hr_samples, total_gps_points, exercises_last_7d, exercises_prev_7d,
                    sport_distribution)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [runID, Self.iso(computedAt), g.totalUsers, g.totalExercises, g.totalDistanceM, g.totalDurationS,
                                 g.totalCalories, g.totalHRSamples, g.totalGPSPoints, g.exercisesLast7d, g.exercisesPrev7d, sports])
        }
    }

    public func latestGlobalStatistics() async throws -> GlobalStatistics? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM global_statistics ORDER BY id DESC LIMIT 1").map { row in
                let sports = (row["sport_distribution"] as String?).flatMap {
                    try? JSONDecoder().decode([SportCount].self, from: Data($0.utf8))
                } ?? []
                return GlobalStatistics(totalUsers: row["total_users"], totalExercises: row["total_exercises"],
                                        totalDistanceM: row["total_distance_m"], totalDurationS: row["total_duration_s"],
                                        totalCalories: row["total_calories"], totalHRSamples: row["total_hr_samples"],
                                        totalGPSPoints: row["total_gps_points"], exercisesLast7d: row["exercises_last_7d"],
                                        exercisesPrev7d: row["exercises_prev_7d"], sportDistribution: sports)
            }
        }
    }

    public func recentExercises(userID: Int64, limit: Int) async throws -> [ExerciseOverview] {
        try await queue.read { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT \(Self.exerciseColumns) FROM exercises WHERE user_id = ? ORDER BY start_utc_ms DESC, id DESC LIMIT ?
                """), arguments: [userID, limit]).map { row in
                let record = Self.exerciseRecord(row)
                let stats = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM exercise_statistics WHERE exercise_id = ?"),
                                             arguments: [record.id]).map(Self.exerciseStatistics)
                return ExerciseOverview(exercise: record, stats: stats)
            }
        }
    }

    // MARK: Weekly and daily tables

    static let summaryColumns = """
        e.id, e.user_id, e.sport, e.start_utc_ms, e.tz_offset_min, e.duration_s, s.distance_m, e.calories, s.hr_samples, s.hr_sum,
        s.trimp, s.best_1km_s, s.best_5km_s, s.best_10km_s,
        """ + PowerRecords.summaryColumns.map { "s." + $0 }.joined(separator: ", ")

    static func summary(_ row: Row) -> ExerciseSummary {
        var s = ExerciseSummary(sport: row["sport"], startUTCMillis: row["start_utc_ms"], durationS: row["duration_s"],
                                distanceM: row["distance_m"], calories: row["calories"], hrSamples: row["hr_samples"],
                                hrSum: row["hr_sum"], trimp: row["trimp"], tzOffsetMinutes: row["tz_offset_min"] ?? 0)
        s.exerciseID = row["id"]
        s.best1kmS = row["best_1km_s"]
        s.best5kmS = row["best_5km_s"]
        s.best10kmS = row["best_10km_s"]
        PowerRecords.read(into: &s) { row[$0] }
        return s
    }

    public func replaceUserRecords(userID: Int64, _ records: [PersonalRecord]) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM user_records WHERE user_id = ?").execute(arguments: [userID])
            for r in records {
                try db.cachedStatement(sql: "INSERT INTO user_records(user_id, sport, record, value, exercise_id, achieved_at) VALUES (?, ?, ?, ?, ?, ?)")
                    .execute(arguments: [userID, r.sport, r.record, r.value, r.exerciseID, Self.iso(r.achievedAtMillis)])
            }
        }
    }

    public func userRecords(userID: Int64) async throws -> [PersonalRecord] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM user_records WHERE user_id = ? ORDER BY sport, record"), arguments: [userID]).map {
                PersonalRecord(sport: $0["sport"], record: $0["record"], value: $0["value"], exerciseID: $0["exercise_id"],
                               achievedAtMillis: Self.millis($0["achieved_at"]) ?? 0)
            }
        }
    }

    public func splits(exerciseID: Int64) async throws -> [Split] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM exercise_splits WHERE exercise_id = ? ORDER BY km"), arguments: [exerciseID]).map {
                Split(km: $0["km"], timeS: $0["time_s"], paceMinPerKm: $0["pace_min_per_km"], hrAvg: $0["hr_avg"], elevationM: $0["elevation_m"])
            }
        }
    }

    public func allExerciseSummaries() async throws -> [(userID: Int64, summary: ExerciseSummary)] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id ORDER BY e.id
                """).map { (userID: $0["user_id"], summary: Self.summary($0)) }
        }
    }

    public func exerciseSummaries(fromUTCMillis: Int64, toUTCMillis: Int64) async throws -> [(userID: Int64, summary: ExerciseSummary)] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT \(Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
                WHERE e.start_utc_ms >= ? AND e.start_utc_ms < ? ORDER BY e.id
                """), arguments: [fromUTCMillis, toUTCMillis]).map { (userID: $0["user_id"], summary: Self.summary($0)) }
        }
    }

    public func upsertGlobalWeekly(_ weeks: [WeeklyTotals], clearing labels: Set<String>) async throws {
        try await write { db in
            for label in labels { try db.cachedStatement(sql: "DELETE FROM global_weekly_statistics WHERE iso_week = ?").execute(arguments: [label]) }
            for w in weeks {
                try db.cachedStatement(sql: """
                    INSERT INTO global_weekly_statistics(iso_week, week_start, exercises, active_users, distance_m) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [w.week, Self.day(w.monday), w.exercises, w.activeUsers, w.distanceM])
            }
        }
    }

    static func day(_ d: Int) -> String { String(PolarTime.format(millis: Int64(d) * 86_400_000).prefix(10)) }
    static func dayNumber(_ s: String) -> Int { Int((PolarTime.localMillis(s + "T00:00:00") ?? 0) / 86_400_000) }

    public func replaceUserWeekly(userID: Int64, _ weeks: [WeeklyTotals]) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM user_weekly_statistics WHERE user_id = ?").execute(arguments: [userID])
            for w in weeks {
                try db.cachedStatement(sql: """
                    INSERT INTO user_weekly_statistics(user_id, iso_week, week_start, exercises, distance_m, duration_s, trimp)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [userID, w.week, Self.day(w.monday), w.exercises, w.distanceM, w.durationS, w.trimp])
            }
        }
    }

    public func replaceUserDailyLoad(userID: Int64, _ days: [DailyLoad]) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM user_daily_load WHERE user_id = ?").execute(arguments: [userID])
            let insert = try db.makeStatement(sql: "INSERT INTO user_daily_load(user_id, day, trimp, ctl, atl, tsb) VALUES (?, ?, ?, ?, ?, ?)")
            for d in days { try insert.execute(arguments: [userID, Self.day(d.day), d.trimp, d.ctl, d.atl, d.tsb]) }
        }
    }

    public func replaceGlobalWeekly(_ weeks: [WeeklyTotals]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM global_weekly_statistics")
            for w in weeks {
                try db.cachedStatement(sql: """
                    INSERT INTO global_weekly_statistics(iso_week, week_start, exercises, active_users, distance_m) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [w.week, Self.day(w.monday), w.exercises, w.activeUsers, w.distanceM])
            }
        }
    }

    public func userWeekly(userID: Int64) async throws -> [WeeklyTotals] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM user_weekly_statistics WHERE user_id = ? ORDER BY week_start"), arguments: [userID]).map {
                WeeklyTotals(week: $0["iso_week"], monday: Self.dayNumber($0["week_start"]), exercises: $0["exercises"],
                             distanceM: $0["distance_m"], durationS: $0["duration_s"], trimp: $0["trimp"], activeUsers: 1)
            }
        }
    }

    public func userDailyLoad(userID: Int64) async throws -> [DailyLoad] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM user_daily_load WHERE user_id = ? ORDER BY day"), arguments: [userID]).map {
                DailyLoad(day: Self.dayNumber($0["day"]), trimp: $0["trimp"], ctl: $0["ctl"], atl: $0["atl"])
            }
        }
    }

    public func globalWeekly() async throws -> [WeeklyTotals] {
        try await queue.unsafeRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM global_weekly_statistics ORDER BY week_start").map {
                WeeklyTotals(week: $0["iso_week"], monday: Self.dayNumber($0["week_start"]), exercises: $0["exercises"],
                             distanceM: $0["distance_m"], durationS: 0, trimp: 0, activeUsers: $0["active_users"])
            }
        }
    }
}

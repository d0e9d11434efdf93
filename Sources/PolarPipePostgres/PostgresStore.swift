import Foundation
import Logging
import PolarPipeCore
import PostgresNIO

/// The scale-out store: PostgreSQL through a PostgresNIO `PostgresClient` (a connection pool; the store runs it).
/// Same contract as the SQLite store; differences are PostgreSQL's: JSONB raw columns, the two sample tables
/// partitioned by month (partitions created on demand), sample loads by `COPY … FROM STDIN`, and a run lease that
/// holds across machines (an advisory lock serialises lease changes). Times are bound and read as epoch
/// milliseconds and stored as TIMESTAMPTZ through the schema's `pp_ts`/`pp_ms` functions.
public final class PostgresStore: PipelineStore, @unchecked Sendable {
    public let client: PostgresClient
    public let url: PostgresConnectionURL
    let logger: Logger
    /// Runs the client (its connection pool) until `shutdown()` or the store goes away; nil in a fenced view,
    /// which keeps the store that runs it (`owner`).
    private let runner: Task<Void, Never>?
    private let owner: PostgresStore?
    /// The lease token every write checks first (`fenced(by:)`); nil for a store that is not a run's.
    let fence: LeaseFence?

    /// Opens a store that runs its own client until `shutdown()`; migrates the schema. Fails at once with the
    /// server's reason when it cannot connect (the pool alone would retry for about a minute).
    public init(url text: String, logger: Logger = Logger(label: "polarpipe.postgres")) async throws {
        url = try PostgresConnectionURL(text)
        self.logger = logger
        var background = logger
        background.logLevel = .error  // the pool's connection retries are reported by the failing call
        do {
            let probe = try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.any(),
                                                             configuration: try url.connectionConfiguration(), id: 0,
                                                             logger: background).get()
            try await probe.close()
        } catch {
            throw PostgresStoreError.unexpected("cannot open \(PostgresConnectionURL.redacted(text)): \(Self.readable(error))")
        }
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: background)
        self.client = client
        let runner = Task { await client.run() }
        self.runner = runner
        owner = nil
        fence = nil
        do {
            try await PostgresMigrations.migrate(client, logger: logger)
        } catch {
            runner.cancel()
            throw PostgresStoreError.unexpected("cannot open \(PostgresConnectionURL.redacted(text)): \(Self.readable(error))")
        }
    }

    /// Stops the client and closes its connections. Waits at most five seconds for the pool to wind down: a CI run
    /// once saw it never return, and a test or a command must not hang on it.
    public func shutdown() async {
        guard let runner else {
            await owner?.shutdown()
            return
        }
        runner.cancel()
        let finished = Finished()
        Task { await runner.value; finished.set() }
        for _ in 0 ..< 100 where !finished.isSet {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A flag set once from another task.
    private final class Finished: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    deinit { runner?.cancel() }

    /// The same database for a run that holds the lease with `fence`'s token.
    private init(sharing store: PostgresStore, fence: LeaseFence) {
        client = store.client
        url = store.url
        logger = store.logger
        runner = nil
        owner = store.owner ?? store
        self.fence = fence
    }

    public func fenced(by fence: LeaseFence) -> any PipelineStore { PostgresStore(sharing: self, fence: fence) }

    // MARK: Query helpers

    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        } catch {
            throw Self.readable(error)
        }
    }

    func execute(_ query: PostgresQuery) async throws {
        do {
            _ = try await client.query(query, logger: logger).collect()
        } catch {
            throw Self.readable(error)
        }
    }

    /// `body` in one transaction on one pooled connection; committed when it returns, rolled back when it throws.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { try await body($0) }
        } catch {
            throw Self.readable(error)
        }
    }

    /// Refuses the write of a fenced store whose token is no longer the lease's: the first statement of each write
    /// transaction. `FOR SHARE` holds the lease row until the write commits, so a takeover (`updateLease`) waits for
    /// it, and a takeover that committed first is seen here.
    static func checkFence(_ fence: LeaseFence?, _ conn: PostgresConnection, _ logger: Logger) async throws {
        guard let fence else { return }
        let held = try await conn.query("SELECT token FROM run_lease WHERE id = 1 AND run_id = \(fence.runID) AND expires_at <> 0 FOR SHARE",
                                        logger: logger).collect().first?.makeRandomAccess()
        if fence.admits(heldToken: try held.map { try $0.value("token") as Int64 }) { return }
        let row = try await conn.query("SELECT * FROM run_lease WHERE id = 1", logger: logger).collect().first?.makeRandomAccess()
        try fence.check(try row.map(Self.leaseHolder))
    }

    /// A write transaction of the pipeline, fenced (`checkFence`).
    func write<Result: Sendable>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> Result {
        let (fence, logger) = (self.fence, self.logger)
        return try await transaction { conn in
            try await Self.checkFence(fence, conn, logger)
            return try await body(conn)
        }
    }

    /// One write statement of the pipeline, fenced: in a transaction after `checkFence` when the store is a run's.
    func executeWrite(_ query: PostgresQuery) async throws {
        guard fence != nil else { return try await execute(query) }
        let logger = self.logger
        try await write { conn in try await conn.perform(query, logger: logger) }
    }

    /// PostgresNIO's errors are either generic (`PSQLError`'s description hides the server's message) or very
    /// long (a transaction error prints the whole query): this keeps the server's SQLSTATE and message and the
    /// statement's first line, which is what a task's `error` column and a log line need.
    static func readable(_ error: any Error) -> any Error {
        if let e = error as? PostgresTransactionError {
            return readable(e.closureError ?? e.beginError ?? e.commitError ?? e.rollbackError ?? PostgresStoreError.unexpected("transaction failed"))
        }
        guard let e = error as? PSQLError else { return error }
        guard let info = e.serverInfo, let message = info[.message] else {
            return PostgresStoreError.unexpected("PostgreSQL \(e.code): \(e.underlying.map { String(describing: $0) } ?? "no detail")")
        }
        let statement = e.query.map { " — in: " + ($0.sql.split(separator: "\n").first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces) } ?? ""
        return PostgresStoreError.unexpected("PostgreSQL error \(info[.sqlState] ?? "?"): \(message)\(statement)")
    }

    /// Runs `body` even when the calling task is cancelled: run and task state must be written when a run
    /// timeout cancels the run (the SQLite store uses synchronous writes for the same reason).
    func uncancellable(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await Task { try await body() }.value
    }

    // MARK: Runs

    public func createRun(_ runID: String, startedAt: Int64, trigger: String) async throws {
        try await executeWrite("""
            INSERT INTO pipeline_runs(run_id, state, started_at, trigger) VALUES (\(runID), 'running', pp_ts(\(startedAt)), \(trigger))
            ON CONFLICT(run_id) DO UPDATE SET state = 'running', ended_at = NULL
            """)
    }

    static let runColumns = "run_id, state, pp_ms(started_at) AS started_at, pp_ms(ended_at) AS ended_at, trigger, summary"

    static func runRecord(_ r: PostgresRandomAccessRow) throws -> RunRecord {
        RunRecord(runID: try r.value("run_id"), state: RunState(rawValue: try r.value("state")) ?? .failed,
                  startedAt: try r.value("started_at"), endedAt: try r.value("ended_at"), trigger: try r.value("trigger"),
                  summary: try r.value("summary"))
    }

    public func run(_ runID: String) async throws -> RunRecord? {
        try await rows("SELECT \(unescaped: Self.runColumns) FROM pipeline_runs WHERE run_id = \(runID)").first.map(Self.runRecord)
    }

    public func runs(limit: Int) async throws -> [RunRecord] {
        try await rows("""
            SELECT \(unescaped: Self.runColumns) FROM pipeline_runs ORDER BY started_at DESC, run_id DESC LIMIT \(limit)
            """).map(Self.runRecord)
    }

    public func runCounts() async throws -> [RunState: Int] {
        try await rows("SELECT state, COUNT(*) AS n FROM pipeline_runs GROUP BY state").reduce(into: [:]) { counts, row in
            let (state, n): (String, Int64) = (try row.value("state"), try row.value("n"))
            if let state = RunState(rawValue: state) { counts[state] = Int(n) }
        }
    }

    public func fileCounts() async throws -> [FileStatus: Int] {
        try await rows("SELECT status, COUNT(*) AS n FROM ingested_files GROUP BY status").reduce(into: [:]) { counts, row in
            let (status, n): (String, Int64) = (try row.value("status"), try row.value("n"))
            if let status = FileStatus(rawValue: status) { counts[status] = Int(n) }
        }
    }

    public func finishRun(_ runID: String, state: RunState, endedAt: Int64, summary: String?) async throws {
        try await uncancellable { [self] in
            try await executeWrite("""
                UPDATE pipeline_runs SET state = \(state.rawValue), ended_at = pp_ts(\(endedAt)), summary = COALESCE(\(summary), summary)
                WHERE run_id = \(runID)
                """)
        }
    }

    public func recordTask(_ t: TaskInstanceRecord) async throws {
        try await uncancellable { [self] in
            try await executeWrite("""
                INSERT INTO task_instances(run_id, task_id, map_index, try_number, state, started_at, ended_at, error, output)
                VALUES (\(t.runID), \(t.taskID), \(t.mapIndex), \(t.tryNumber), \(t.state.rawValue), pp_ts(\(t.startedAt)),
                        pp_ts(\(t.endedAt)), \(t.error), \(t.output))
                ON CONFLICT(run_id, task_id, map_index, try_number) DO UPDATE SET
                    state = excluded.state, started_at = COALESCE(excluded.started_at, task_instances.started_at),
                    ended_at = excluded.ended_at, error = excluded.error, output = excluded.output
                """)
        }
    }

    public func taskInstances(runID: String) async throws -> [TaskInstanceRecord] {
        try await rows("""
            SELECT run_id, task_id, map_index, try_number, state, pp_ms(started_at) AS started_at, pp_ms(ended_at) AS ended_at, error,
                output
            FROM task_instances WHERE run_id = \(runID) ORDER BY seq
            """).map { r in
            TaskInstanceRecord(runID: try r.value("run_id"), taskID: try r.value("task_id"), mapIndex: Int(try r.value("map_index") as Int32),
                               tryNumber: try r.value("try_number"),
                               state: TaskState(rawValue: try r.value("state")) ?? .failed, startedAt: try r.value("started_at"),
                               endedAt: try r.value("ended_at"), error: try r.value("error"), output: try r.value("output"))
        }
    }

    /// Base of the advisory lock keys of users while their exercises are recorded (base + user id).
    static let userLockKey: Int64 = 0x706F_6C61_0000_0000

    /// Key of the advisory lock that serialises lease changes across machines.
    static let leaseLockKey: Int64 = 0x706F_6C61_7202

    static func leaseHolder(_ r: PostgresRandomAccessRow) throws -> LeaseHolder {
        LeaseHolder(runID: try r.value("run_id"),
                    owner: LeaseOwner(pid: Int32(clamping: try r.value("owner_pid") as Int), host: try r.value("owner_host"),
                                      mode: LeaseOwner.Mode(rawValue: try r.value("owner_mode")) ?? .process),
                    acquiredAt: try r.value("acquired_at"), expiresAt: try r.value("expires_at"), token: try r.value("token"))
    }

    public func currentLease() async throws -> LeaseHolder? {
        try await rows("SELECT * FROM run_lease WHERE id = 1 AND expires_at <> 0").first.map(Self.leaseHolder)
    }

    public func updateLease(_ decide: @Sendable (LeaseHolder?) -> RunLease.Decision) async throws -> RunLease.Decision {
        let logger = self.logger
        return try await transaction { conn in
            try await conn.perform("SELECT pg_advisory_xact_lock(\(Self.leaseLockKey))", logger: logger)
            let current = try await conn.query("SELECT * FROM run_lease WHERE id = 1", logger: logger).collect().first?.makeRandomAccess()
            let decision = decide(try current.map(Self.leaseHolder))
            switch decision {
            case .grant(let h):
                try await conn.perform("""
                    INSERT INTO run_lease(id, run_id, owner_pid, owner_host, owner_mode, acquired_at, expires_at, token)
                    VALUES (1, \(h.runID), \(Int(h.owner.pid)), \(h.owner.host), \(h.owner.mode.rawValue), \(h.acquiredAt), \(h.expiresAt), \(h.token))
                    ON CONFLICT(id) DO UPDATE SET run_id = excluded.run_id, owner_pid = excluded.owner_pid,
                        owner_host = excluded.owner_host, owner_mode = excluded.owner_mode, acquired_at = excluded.acquired_at,
                        expires_at = excluded.expires_at, token = excluded.token
                    """, logger: logger)
            case .release:
                try await conn.perform("UPDATE run_lease SET expires_at = 0 WHERE id = 1", logger: logger)
            case .blocked:
                break
            }
            return decision
        }
    }

    // MARK: Files

    public func fileID(loadedSHA256 sha256: String) async throws -> Int64? {
        try await rows("SELECT id FROM ingested_files WHERE sha256 = \(sha256) AND status = 'loaded' ORDER BY id LIMIT 1")
            .first.map { try $0.value("id") }
    }

    public func fileID(skippedSHA256 sha256: String) async throws -> Int64? {
        try await rows("SELECT id FROM ingested_files WHERE sha256 = \(sha256) AND status = 'skipped' ORDER BY id LIMIT 1")
            .first.map { try $0.value("id") }
    }

    public func claimFiles(_ files: [ClaimedFile]) async throws -> [Int64] {
        guard !files.isEmpty else { return [] }
        let logger = self.logger
        return try await write { conn in
            var ids: [Int64] = []
            for f in files {
                let inserted = try await conn.query("""
                    INSERT INTO ingested_files(sha256, path, original_path, entry_name, parent_id, user_key, run_id, state, status, bytes,
                                               attempts, ingested_at)
                    VALUES (\(f.sha256), \(f.path), \(f.originalPath), \(f.entryName), \(f.parentID), \(f.userKey), \(f.runID), 'claimed',
                            'pending', \(f.bytes), \(f.attempts), now())
                    RETURNING id
                    """, logger: logger).collect()
                guard let id: Int64 = try inserted.first?.makeRandomAccess().value("id") else {
                    throw PostgresStoreError.unexpected("INSERT returned no id")
                }
                ids.append(id)
            }
            return ids
        }
    }

    static func fileRecord(_ r: PostgresRandomAccessRow) throws -> FileRecord {
        FileRecord(id: try r.value("id"), sha256: try r.value("sha256"), path: try r.value("path"),
                   originalPath: try r.value("original_path"), entryName: try r.value("entry_name"), parentID: try r.value("parent_id"),
                   userKey: try r.value("user_key"), userID: try r.value("user_id"), runID: try r.value("run_id"),
                   state: FileState(rawValue: try r.value("state")) ?? .claimed, reason: try r.value("reason"),
                   layout: (try r.value("layout") as String?).flatMap(PolarLayout.init(rawValue:)),
                   bytes: try r.value("bytes"), stagedPath: try r.value("staged_path"), attempts: Int(try r.value("attempts") as Int32),
                   shard: (try r.value("shard") as Int32?).map(Int.init))
    }

    public func files(runID: String) async throws -> [FileRecord] {
        try await rows("SELECT * FROM ingested_files WHERE run_id = \(runID) ORDER BY id").map(Self.fileRecord)
    }

    public func files(runID: String, afterID: Int64, limit: Int) async throws -> [FileRecord] {
        try await rows("SELECT * FROM ingested_files WHERE run_id = \(runID) AND id > \(afterID) ORDER BY id LIMIT \(max(0, limit))")
            .map(Self.fileRecord)
    }

    public func archiveIDs(runID: String) async throws -> Set<Int64> {
        Set(try await rows("""
            SELECT DISTINCT parent_id FROM ingested_files WHERE run_id = \(runID) AND parent_id IS NOT NULL
            """).map { try $0.value("parent_id") })
    }

    public func fileShardCount(runID: String) async throws -> Int {
        let count: Int64 = try await rows("SELECT coalesce(max(shard) + 1, 0)::bigint AS n FROM ingested_files WHERE run_id = \(runID)")
            .first?.value("n") ?? 0
        return Int(count)
    }

    public func files(runID: String, shard: Int) async throws -> [FileRecord] {
        try await rows("SELECT * FROM ingested_files WHERE run_id = \(runID) AND shard = \(shard) ORDER BY id").map(Self.fileRecord)
    }

    public func shardedUserKeys(runID: String) async throws -> [String] {
        try await rows("""
            SELECT DISTINCT user_key FROM ingested_files WHERE run_id = \(runID) AND shard IS NOT NULL ORDER BY user_key
            """).map { try $0.value("user_key") }
    }

    public func file(id: Int64) async throws -> FileRecord? {
        try await rows("SELECT * FROM ingested_files WHERE id = \(id)").first.map(Self.fileRecord)
    }

    public func entries(ofArchive id: Int64) async throws -> [FileRecord] {
        try await rows("SELECT * FROM ingested_files WHERE parent_id = \(id) ORDER BY id").map(Self.fileRecord)
    }

    public func partialArchive(sha256: String, userKey: String) async throws -> FileRecord? {
        try await rows("""
            SELECT * FROM ingested_files WHERE sha256 = \(sha256) AND user_key = \(userKey) AND state = 'partial' ORDER BY id LIMIT 1
            """).first.map(Self.fileRecord)
    }

    public func updateFiles(_ updates: [FileUpdate]) async throws {
        guard !updates.isEmpty else { return }
        let logger = self.logger
        try await write { conn in
            for u in updates {
                let row = try await conn.query("SELECT state FROM ingested_files WHERE id = \(u.id) FOR UPDATE", logger: logger)
                    .collect().first?.makeRandomAccess()
                guard let from = try row.flatMap({ FileState(rawValue: try $0.value("state")) }) else {
                    throw LedgerError(fileID: u.id, from: .claimed, to: u.state)
                }
                guard from.canMove(to: u.state) else { throw LedgerError(fileID: u.id, from: from, to: u.state) }
                let setReason = u.reason != nil
                let reason: String? = u.reason ?? nil
                try await conn.perform("""
                    UPDATE ingested_files SET state = \(u.state.rawValue), status = \(u.state.status.rawValue), path = COALESCE(\(u.path), path),
                        reason = CASE WHEN \(setReason) THEN \(reason) ELSE reason END, sha256 = COALESCE(\(u.sha256), sha256),
                        layout = COALESCE(\(u.layout?.rawValue), layout), staged_path = COALESCE(\(u.stagedPath), staged_path),
                        run_id = COALESCE(\(u.runID), run_id), shard = COALESCE(\(u.shard), shard),
                        attempts = CASE WHEN \(from != u.state) THEN 0 ELSE attempts END
                    WHERE id = \(u.id)
                    """, logger: logger)
            }
        }
    }

    public func forgetClaims(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await executeWrite("""
            DELETE FROM ingested_files f WHERE id = ANY(\(ids)) AND state = 'claimed'
                AND NOT EXISTS (SELECT 1 FROM ingested_files c WHERE c.parent_id = f.id)
            """)
    }

    public func addAttempts(_ ids: [Int64], _ delta: Int) async throws {
        guard !ids.isEmpty else { return }
        try await executeWrite("UPDATE ingested_files SET attempts = GREATEST(0, attempts + \(delta)) WHERE id = ANY(\(ids))")
    }

    public func adoptClaim(_ claimID: Int64, into partialID: Int64, path: String) async throws {
        let logger = self.logger
        try await write { conn in
            let claim = try await conn.query("SELECT run_id FROM ingested_files WHERE id = \(claimID) AND state = 'claimed' FOR UPDATE",
                                             logger: logger).collect().first?.makeRandomAccess()
            let partial = try await conn.query("SELECT 1 FROM ingested_files WHERE id = \(partialID) AND state = 'partial' FOR UPDATE",
                                               logger: logger).collect()
            guard let claim, !partial.isEmpty else { throw LedgerError(fileID: partialID, from: .partial, to: .claimed) }
            let runID: String = try claim.value("run_id")
            try await conn.perform("DELETE FROM ingested_files WHERE id = \(claimID)", logger: logger)
            try await conn.perform("""
                UPDATE ingested_files SET state = 'claimed', status = 'pending', run_id = \(runID), path = \(path), attempts = 0
                WHERE id = \(partialID)
                """, logger: logger)
        }
    }

    public func setFileUsers(_ users: [(fileID: Int64, userID: Int64)]) async throws {
        guard !users.isEmpty else { return }
        try await write { conn in
            for u in users {
                try await conn.perform("UPDATE ingested_files SET user_id = \(u.userID) WHERE id = \(u.fileID)", logger: logger)
            }
        }
    }

    // MARK: Users

    static let userColumns = """
        id, user_key, polar_user_id, sex, birthday, height_cm, weight_kg, max_hr, resting_hr, vo2max, aerobic_threshold,
        anaerobic_threshold, ftp_w, pp_ms(physical_recorded_at AT TIME ZONE 'UTC') AS physical_recorded_at, pp_ms(updated_at) AS updated_at
        """

    static func userRecord(_ r: PostgresRandomAccessRow) throws -> UserRecord {
        UserRecord(id: try r.value("id"), userKey: try r.value("user_key"), polarUserID: try r.value("polar_user_id"),
                   physical: PhysicalInformation(sex: try r.value("sex"), birthday: try r.value("birthday"),
                                                 heightCm: try r.value("height_cm"), weightKg: try r.value("weight_kg"),
                                                 maxHR: try r.value("max_hr"), restingHR: try r.value("resting_hr"),
                                                 vo2max: try r.value("vo2max"), aerobicThreshold: try r.value("aerobic_threshold"),
                                                 anaerobicThreshold: try r.value("anaerobic_threshold"), ftpW: try r.value("ftp_w"),
                                                 recordedAtLocalMillis: try r.value("physical_recorded_at")),
                   updatedAt: try r.value("updated_at"))
    }

    public func user(key: String) async throws -> UserRecord? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE user_key = \(key)").first.map(Self.userRecord)
    }

    public func users() async throws -> [UserRecord] {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE \(unescaped: Self.athlete) ORDER BY user_key").map(Self.userRecord)
    }

    /// Users that are athletes: not an account that only holds an admin token (one with exercises of its own stays).
    static let athlete = """
        NOT (EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_key = users.user_key AND t.is_admin)
             AND NOT EXISTS (SELECT 1 FROM exercises e WHERE e.user_id = users.id))
        """

    public func upsertUser(key: String, physical: PhysicalInformation?, polarUserID: String?, now: Int64) async throws -> (id: Int64, changed: Bool) {
        try await write { conn in
            // Two processes may meet the same new user: the insert does nothing for the second, which then updates.
            let inserted = try await conn.query("""
                INSERT INTO users(user_key, created_at, updated_at) VALUES (\(key), pp_ts(\(now)), pp_ts(\(now)))
                ON CONFLICT(user_key) DO NOTHING RETURNING id
                """, logger: logger).collect()
            let row = try await conn.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE user_key = \(key) FOR UPDATE",
                                           logger: logger).collect()
            guard let existing = try row.first.map({ try Self.userRecord($0.makeRandomAccess()) }) else {
                throw PostgresStoreError.unexpected("user \(key) vanished")
            }
            var changed = !inserted.isEmpty
            if let polarUserID, polarUserID != existing.polarUserID {
                try await conn.perform("UPDATE users SET polar_user_id = \(polarUserID), updated_at = pp_ts(\(now)) WHERE id = \(existing.id)",
                                     logger: logger)
                changed = true
            }
            guard let physical, physical.replaces(existing.physical) else { return (existing.id, changed) }
            let p = physical
            try await conn.perform("""
                UPDATE users SET sex = \(p.sex), birthday = \(p.birthday), height_cm = \(p.heightCm), weight_kg = \(p.weightKg),
                    max_hr = \(p.maxHR), resting_hr = \(p.restingHR), vo2max = \(p.vo2max), aerobic_threshold = \(p.aerobicThreshold),
                    anaerobic_threshold = \(p.anaerobicThreshold), ftp_w = \(p.ftpW),
                    physical_recorded_at = pp_ts(\(p.recordedAtLocalMillis)) AT TIME ZONE 'UTC', updated_at = pp_ts(\(now))
                WHERE id = \(existing.id)
                """, logger: logger)
            return (existing.id, true)
        }
    }

    // MARK: Exercises

    public func recordExercises(runID: String, toleranceMillis: Int64, _ files: [FileExercises]) async throws -> [RecordedExercises] {
        guard !files.isEmpty else { return [] }
        return try await write { conn in
            // Instances of several shards of one user may record at once: the duplicate rule must see the other's
            // rows, so each user is locked for the transaction (in user order, so two never wait for each other).
            for userID in Set(files.map(\.userID)).sorted() {
                try await conn.perform("SELECT pg_advisory_xact_lock(\(Self.userLockKey &+ userID))", logger: logger)
            }
            var results: [RecordedExercises] = []
            for file in files {
                var decisions: [ExerciseDecision] = []
                for item in file.exercises {
                    let range = DuplicateExercise.searchRange(around: item.exercise.startUTCMillis, toleranceMillis: toleranceMillis)
                    let rows = try await conn.query("""
                        SELECT id, file_id, layout, sport, start_utc_ms, tz_offset_min, duration_s, sample_channels FROM exercises
                        WHERE user_id = \(file.userID) AND start_utc_ms BETWEEN \(range.lowerBound) AND \(range.upperBound)
                            AND file_id <> \(file.fileID)
                        """, logger: logger).decode((Int64, Int64, String?, String, Int64, Int?, Double, Int?).self)
                    var stored: [ExerciseFootprint] = []
                    for try await (id, fileID, layout, sport, startMillis, offset, duration, channels) in rows {
                        stored.append(ExerciseFootprint(id: id, fileID: fileID, layout: layout.flatMap(PolarLayout.init(rawValue:)) ?? .flowExportOld,
                                                        sport: sport, startUTCMillis: startMillis, tzOffsetMinutes: offset, durationS: duration,
                                                        channels: channels.map(SampleChannels.init(rawValue:)) ?? .all))
                    }
                    decisions.append(DuplicateExercise.decide(ExerciseFootprint(item.exercise, layout: file.layout), among: stored,
                                                              toleranceMillis: toleranceMillis))
                }
                let plan = RecordedExercises.Plan(file.exercises, decisions)
                try await Self.deleteExercises(plan.replacedIDs, conn, logger)
                let ids = try await Self.replaceExercises(of: file, plan.stored, runID: runID, conn, logger)
                results.append(RecordedExercises(ids: ids, duplicates: plan.duplicates, replaced: plan.replacedIDs.count))
            }
            return results
        }
    }

    /// Deletes the file's exercises (and everything hanging on them) and inserts `exercises`; returns their ids.
    static func replaceExercises(of file: FileExercises, _ exercises: [NewExercise], runID: String,
                                 _ conn: PostgresConnection, _ logger: Logger) async throws -> [Int64] {
        let old = try await conn.query("SELECT id FROM exercises WHERE file_id = \(file.fileID)", logger: logger).decode(Int64.self)
        var oldIDs: [Int64] = []
        for try await id in old { oldIDs.append(id) }
        try await deleteExercises(oldIDs, conn, logger)
        let (userID, fileID) = (file.userID, file.fileID)
        var ids: [Int64] = []
        for item in exercises {
            let e = item.exercise
            let local = PolarTime.format(millis: e.startLocalMillis, fraction: true)
            let raw = JSONBText.sanitised(e.raw)
            let inserted = try await conn.query("""
                INSERT INTO exercises(user_id, file_id, run_id, exercise_index, external_id, layout, sport, sport_raw,
                    start_time_utc, start_time_local, start_utc_ms, tz_offset_min, duration_s, distance_m, calories,
                    device_id, reported_hr_min, reported_hr_avg, reported_hr_max, ascent_m, descent_m, raw,
                    max_hr, resting_hr, sex, birthday, ftp_w, sample_channels, hr_zone_limits)
                VALUES (\(userID), \(fileID), \(runID), \(item.index), \(e.externalID), \(file.layout.rawValue), \(e.sport), \(e.sportRaw),
                    pp_ts(\(e.startUTCMillis)), \(local)::timestamp, \(e.startUTCMillis), \(e.tzOffsetMinutes), \(e.durationS),
                    \(e.distanceM), \(e.calories), \(item.deviceID), \(e.reportedHR?.min), \(e.reportedHR?.avg), \(e.reportedHR?.max),
                    \(e.ascentM), \(e.descentM), \(raw)::jsonb,
                    \(item.physical?.maxHR), \(item.physical?.restingHR), \(item.physical?.sex), \(item.physical?.birthday),
                    \(item.physical?.ftpW), \(SampleChannels(e.samples).rawValue), \(e.heartRateZones?.text))
                RETURNING id
                """, logger: logger).decode(Int64.self)
            var id: Int64?
            for try await value in inserted { id = value }
            guard let id else { throw PostgresStoreError.unexpected("INSERT returned no id") }
            ids.append(id)
            for (channel, keyPath) in ExerciseSamples.seriesChannels where !e.samples[keyPath: keyPath].isEmpty {
                let series = e.samples[keyPath: keyPath]
                try await conn.perform("""
                    INSERT INTO exercise_series(exercise_id, channel, samples, t, value)
                    VALUES (\(id), \(channel), \(series.count), \(bytes(series.t)), \(bytes(series.value)))
                    """, logger: logger)
            }
        }
        return ids
    }

    /// Which of the exercises are still stored, key-share-locked for the transaction. Instances of two shards may meet: a
    /// richer copy in one shard replaces (`deleteExercises`, which locks the rows for update first) an exercise whose
    /// samples or statistics another shard writes; whichever locks first goes first, and a write for an exercise
    /// that is gone writes nothing.
    static func lockStoredExercises(_ ids: [Int64], _ conn: PostgresConnection, _ logger: Logger) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        var stored = Set<Int64>()
        for try await id in try await conn.query("SELECT id FROM exercises WHERE id = ANY(\(ids)) ORDER BY id FOR KEY SHARE", logger: logger)
            .decode(Int64.self) { stored.insert(id) }
        return stored
    }

    static func deleteExercises(_ ids: [Int64], _ conn: PostgresConnection, _ logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await conn.perform("SELECT id FROM exercises WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE", logger: logger)
        for table in ["heart_rate_samples", "gps_route_points", "exercise_series", "exercise_splits", "exercise_statistics"] {
            try await conn.perform("DELETE FROM \(unescaped: table) WHERE exercise_id = ANY(\(ids))", logger: logger)
        }
        try await conn.perform("DELETE FROM exercises WHERE id = ANY(\(ids))", logger: logger)
    }

    static func bytes(_ values: [Double]) -> ByteBuffer {
        values.withUnsafeBytes { ByteBuffer(bytes: $0) }
    }

    static func doubles(_ buffer: ByteBuffer) -> [Double] {
        buffer.withUnsafeReadableBytes { raw in
            (0 ..< raw.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
    }

    static let exerciseColumns = """
        id, user_id, file_id, exercise_index, sport, start_utc_ms, tz_offset_min, duration_s, distance_m, calories,
        max_hr, resting_hr, sex, birthday, ftp_w, hr_zone_limits
        """

    static func exerciseRecord(_ r: PostgresRandomAccessRow) throws -> ExerciseRecord {
        let physical = PhysicalInformation(sex: try r.value("sex"), birthday: try r.value("birthday"),
                                           maxHR: try r.value("max_hr"), restingHR: try r.value("resting_hr"),
                                           ftpW: try r.value("ftp_w"))
        return ExerciseRecord(id: try r.value("id"), userID: try r.value("user_id"), fileID: try r.value("file_id"),
                              exerciseIndex: try r.value("exercise_index"), sport: try r.value("sport"),
                              startUTCMillis: try r.value("start_utc_ms"), tzOffsetMinutes: try r.value("tz_offset_min"),
                              durationS: try r.value("duration_s"), distanceM: try r.value("distance_m"),
                              calories: try r.value("calories"),
                              physical: physical.isEmpty && physical.restingHR == nil ? nil : physical,
                              heartRateZones: (try r.value("hr_zone_limits") as String?).flatMap(HeartRateZoneLimits.init(text:)))
    }

    public func exercises(runID: String) async throws -> [ExerciseRecord] {
        try await rows("SELECT \(unescaped: Self.exerciseColumns) FROM exercises WHERE run_id = \(runID) ORDER BY id")
            .map(Self.exerciseRecord)
    }

    public func exercises(runID: String, afterID: Int64, limit: Int) async throws -> [ExerciseRecord] {
        try await rows("""
            SELECT \(unescaped: Self.exerciseColumns) FROM exercises WHERE run_id = \(runID) AND id > \(afterID) ORDER BY id LIMIT \(max(0, limit))
            """).map(Self.exerciseRecord)
    }

    public func exerciseCount(runID: String) async throws -> Int {
        let count: Int64 = try await rows("SELECT count(*)::bigint AS n FROM exercises WHERE run_id = \(runID)").first?.value("n") ?? 0
        return Int(count)
    }

    public func exercises(runID: String, fileShard: Int) async throws -> [ExerciseRecord] {
        try await rows("""
            SELECT \(unescaped: Self.exerciseColumns) FROM exercises
            WHERE run_id = \(runID) AND file_id IN (SELECT id FROM ingested_files WHERE run_id = \(runID) AND shard = \(fileShard))
            ORDER BY id
            """).map(Self.exerciseRecord)
    }

    public func exerciseUserIDs(runID: String) async throws -> [Int64] {
        try await rows("SELECT DISTINCT user_id FROM exercises WHERE run_id = \(runID) ORDER BY user_id").map { try $0.value("user_id") }
    }

    public func exercise(id: Int64) async throws -> ExerciseRecord? {
        try await rows("SELECT \(unescaped: Self.exerciseColumns) FROM exercises WHERE id = \(id)").first.map(Self.exerciseRecord)
    }

    public func allExerciseIDs() async throws -> [Int64] {
        try await rows("SELECT id FROM exercises ORDER BY id").map { try $0.value("id") }
    }

    // MARK: Samples

    public func replaceHeartRateSamples(_ batch: [(exerciseID: Int64, samples: SampleSeries, rejected: Int)]) async throws {
        let months = try await ensurePartitions(table: "heart_rate_samples", exerciseIDs: batch.map(\.exerciseID))
        try await write { conn in
            let stored = try await Self.lockStoredExercises(batch.map(\.exerciseID), conn, logger)
            let kept = batch.filter { stored.contains($0.exerciseID) }
            try await conn.perform("DELETE FROM heart_rate_samples WHERE exercise_id = ANY(\(kept.map(\.exerciseID)))", logger: logger)
            try await conn.copyFrom(table: "heart_rate_samples", columns: ["exercise_id", "t", "bpm", "start_month"], logger: logger) { writer in
                var out = CopyText()
                for item in kept {
                    let month = months[item.exerciseID] ?? "1970-01-01"
                    let s = item.samples
                    for i in 0 ..< s.count {
                        out.row(item.exerciseID, s.t[i], s.value[i], month)
                        if out.isFull { try await writer.write(out.take()) }
                    }
                }
                try await writer.write(out.take())
            }
            try await Self.recordRejected(column: "hr_samples_rejected", kept.map { ($0.exerciseID, $0.rejected) }, conn, logger)
        }
    }

    public func replaceRoutePoints(_ batch: [(exerciseID: Int64, route: RouteSeries, rejected: Int)]) async throws {
        let months = try await ensurePartitions(table: "gps_route_points", exerciseIDs: batch.map(\.exerciseID))
        try await write { conn in
            let stored = try await Self.lockStoredExercises(batch.map(\.exerciseID), conn, logger)
            let kept = batch.filter { stored.contains($0.exerciseID) }
            try await conn.perform("DELETE FROM gps_route_points WHERE exercise_id = ANY(\(kept.map(\.exerciseID)))", logger: logger)
            try await conn.copyFrom(table: "gps_route_points",
                                    columns: ["exercise_id", "t", "latitude", "longitude", "altitude_m", "start_month"],
                                    logger: logger) { writer in
                var out = CopyText()
                for item in kept {
                    let month = months[item.exerciseID] ?? "1970-01-01"
                    let r = item.route
                    for i in 0 ..< r.count {
                        out.row(item.exerciseID, r.t[i], r.latitude[i], r.longitude[i], r.altitude[i], month)
                        if out.isFull { try await writer.write(out.take()) }
                    }
                }
                try await writer.write(out.take())
            }
            try await Self.recordRejected(column: "gps_points_rejected", kept.map { ($0.exerciseID, $0.rejected) }, conn, logger)
        }
    }

    /// Records the rejected counts, last in the load's transaction: the two loads update the same exercise rows, and
    /// a row lock taken before the COPY made the other load wait for the whole COPY. The rows are locked in id order
    /// first, so the two loads cannot deadlock.
    static func recordRejected(column: String, _ counts: [(Int64, Int)], _ conn: PostgresConnection, _ logger: Logger) async throws {
        // NO KEY UPDATE: the two load tasks of one exercise share its key lock (`lockStoredExercises`) and take turns here.
        try await conn.perform("SELECT 1 FROM exercises WHERE id = ANY(\(counts.map(\.0))) ORDER BY id FOR NO KEY UPDATE", logger: logger)
        try await conn.perform("""
            UPDATE exercises e SET \(unescaped: column) = v.n
            FROM unnest(\(counts.map(\.0))::bigint[], \(counts.map { Int64($0.1) })::bigint[]) AS v(id, n) WHERE e.id = v.id
            """, logger: logger)
    }

    /// Key of the advisory lock under which partitions are created.
    static let partitionLockKey: Int64 = 0x706F_6C61_7203

    /// Creates the monthly partitions of `table` that the exercises need and returns each exercise's month
    /// (`YYYY-MM-01`, of its UTC start).
    func ensurePartitions(table: String, exerciseIDs: [Int64]) async throws -> [Int64: String] {
        var months: [Int64: String] = [:]
        for r in try await rows("""
            SELECT id, to_char(date_trunc('month', start_time_utc AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month
            FROM exercises WHERE id = ANY(\(exerciseIDs))
            """) {
            months[try r.value("id")] = try r.value("month")
        }
        let existing = Set(try await rows("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = \(table)
            """).map { try $0.value("relname") as String })
        let missing = Set(months.values).filter { !existing.contains(Self.partitionName(table, month: $0)) }
        guard !missing.isEmpty else { return months }
        try await transaction { conn in
            try await conn.perform("SELECT pg_advisory_xact_lock(\(Self.partitionLockKey))", logger: logger)
            for month in missing.sorted() {
                let next = Self.nextMonth(month)
                try await conn.perform("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: Self.partitionName(table, month: month)) PARTITION OF \(unescaped: table)
                    FOR VALUES FROM ('\(unescaped: month)') TO ('\(unescaped: next)')
                    """, logger: logger)
            }
        }
        return months
    }

    /// `heart_rate_samples_y2026m11` for `2026-11-01`.
    static func partitionName(_ table: String, month: String) -> String {
        let parts = month.split(separator: "-")
        return "\(table)_y\(parts[0])m\(parts[1])"
    }

    static func nextMonth(_ month: String) -> String {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        let (y, m) = parts[1] == 12 ? (parts[0] + 1, 1) : (parts[0], parts[1] + 1)
        return String(format: "%04d-%02d-01", y, m)
    }

    public func samples(exerciseID: Int64) async throws -> ExerciseSamples {
        var s = ExerciseSamples()
        // One row of two arrays per series: far fewer rows to decode than one row per sample.
        for try await (t, bpm) in try await client.query("""
            SELECT COALESCE(array_agg(t ORDER BY t), '{}'::float8[]), COALESCE(array_agg(bpm ORDER BY t), '{}'::float8[])
            FROM heart_rate_samples WHERE exercise_id = \(exerciseID)
            """, logger: logger).decode(([Double], [Double]).self) {
            s.heartRate = SampleSeries(t: t, value: bpm)
        }
        for try await (t, lat, lon, alt) in try await client.query("""
            SELECT COALESCE(array_agg(t ORDER BY t), '{}'::float8[]), COALESCE(array_agg(latitude ORDER BY t), '{}'::float8[]),
                COALESCE(array_agg(longitude ORDER BY t), '{}'::float8[]),
                COALESCE(array_agg(COALESCE(altitude_m, 'NaN'::float8) ORDER BY t), '{}'::float8[])
            FROM gps_route_points WHERE exercise_id = \(exerciseID)
            """, logger: logger).decode(([Double], [Double], [Double], [Double]).self) {
            s.route = RouteSeries(t: t, latitude: lat, longitude: lon, altitude: alt)
        }
        for try await (channel, t, value) in try await client.query("""
            SELECT channel, t, value FROM exercise_series WHERE exercise_id = \(exerciseID)
            """, logger: logger).decode((String, ByteBuffer, ByteBuffer).self) {
            if let keyPath = ExerciseSamples.seriesChannels.first(where: { $0.name == channel })?.keyPath {
                s[keyPath: keyPath] = SampleSeries(t: Self.doubles(t), value: Self.doubles(value))
            }
        }
        return s
    }

    // MARK: Statistics

    public func upsertExerciseStatistics(_ batch: [(exerciseID: Int64, stats: ExerciseStatistics)]) async throws {
        try await write { conn in
            let stored = try await Self.lockStoredExercises(batch.map(\.exerciseID), conn, logger)
            for (id, s) in batch where stored.contains(id) {
                let z = s.hrZonesS
                try await conn.perform("""
                    INSERT INTO exercise_statistics(exercise_id, hr_samples, hr_min, hr_max, hr_avg, hr_sum, gps_points,
                        duration_s, distance_m, gps_distance_m, avg_speed_kmh, pace_min_per_km, elevation_gain_m, elevation_loss_m,
                        moving_time_s, hr_zone1_s, hr_zone2_s, hr_zone3_s, hr_zone4_s, hr_zone5_s, trimp,
                        best_1km_s, best_5km_s, best_10km_s)
                    VALUES (\(id), \(s.hrSamples), \(s.hrMin), \(s.hrMax), \(s.hrAvg), \(s.hrSum), \(s.gpsPoints), \(s.durationS),
                        \(s.distanceM), \(s.gpsDistanceM), \(s.avgSpeedKmh), \(s.paceMinPerKm), \(s.elevationGainM), \(s.elevationLossM),
                        \(s.movingTimeS), \(z?[0]), \(z?[1]), \(z?[2]), \(z?[3]), \(z?[4]), \(s.trimp),
                        \(s.best1kmS), \(s.best5kmS), \(s.best10kmS))
                    ON CONFLICT(exercise_id) DO UPDATE SET hr_samples = excluded.hr_samples, hr_min = excluded.hr_min,
                        hr_max = excluded.hr_max, hr_avg = excluded.hr_avg, hr_sum = excluded.hr_sum, gps_points = excluded.gps_points,
                        duration_s = excluded.duration_s, distance_m = excluded.distance_m, gps_distance_m = excluded.gps_distance_m,
                        avg_speed_kmh = excluded.avg_speed_kmh, pace_min_per_km = excluded.pace_min_per_km,
                        elevation_gain_m = excluded.elevation_gain_m, elevation_loss_m = excluded.elevation_loss_m,
                        moving_time_s = excluded.moving_time_s, hr_zone1_s = excluded.hr_zone1_s, hr_zone2_s = excluded.hr_zone2_s,
                        hr_zone3_s = excluded.hr_zone3_s, hr_zone4_s = excluded.hr_zone4_s, hr_zone5_s = excluded.hr_zone5_s,
                        trimp = excluded.trimp, best_1km_s = excluded.best_1km_s, best_5km_s = excluded.best_5km_s,
                        best_10km_s = excluded.best_10km_s
                    """, logger: logger)
                try await conn.perform(Self.extendedStatisticsUpdate(id, s), logger: logger)
                try await conn.perform("DELETE FROM exercise_splits WHERE exercise_id = \(id)", logger: logger)
                for split in s.splits {
                    try await conn.perform("""
                        INSERT INTO exercise_splits(exercise_id, km, time_s, pace_min_per_km, hr_avg, elevation_m)
                        VALUES (\(id), \(split.km), \(split.timeS), \(split.paceMinPerKm), \(split.hrAvg), \(split.elevationM))
                        """, logger: logger)
                }
            }
        }
    }

    static func exerciseStatistics(_ r: PostgresRandomAccessRow) throws -> ExerciseStatistics {
        var s = ExerciseStatistics(durationS: try r.value("duration_s"))
        s.hrSamples = try r.value("hr_samples")
        s.hrMin = try r.value("hr_min")
        s.hrMax = try r.value("hr_max")
        s.hrAvg = try r.value("hr_avg")
        s.hrSum = try r.value("hr_sum")
        s.gpsPoints = try r.value("gps_points")
        s.distanceM = try r.value("distance_m")
        s.gpsDistanceM = try r.value("gps_distance_m")
        s.avgSpeedKmh = try r.value("avg_speed_kmh")
        s.paceMinPerKm = try r.value("pace_min_per_km")
        s.elevationGainM = try r.value("elevation_gain_m")
        s.elevationLossM = try r.value("elevation_loss_m")
        s.movingTimeS = try r.value("moving_time_s")
        s.trimp = try r.value("trimp")
        s.best1kmS = try r.value("best_1km_s")
        s.best5kmS = try r.value("best_5km_s")
        s.best10kmS = try r.value("best_10km_s")
        let zones: [Double?] = try ["hr_zone1_s", "hr_zone2_s", "hr_zone3_s", "hr_zone4_s", "hr_zone5_s"].map { try r.value($0) }
        s.hrZonesS = zones[0] == nil ? nil : zones.map { $0 ?? 0 }
        let extended = try Self.doubles(r, ExerciseStatistics.extendedColumnNames)
        s.readExtendedColumns(sex: try r.value("profile_sex"), hrZones: try r.value("profile_hr_zones")) { extended[$0] }
        return s
    }

    /// The non-NULL values of the double columns `names` of a row, by name.
    static func doubles(_ r: PostgresRandomAccessRow, _ names: [String]) throws -> [String: Double] {
        try Dictionary(uniqueKeysWithValues: names.compactMap { name in try (r.value(name) as Double?).map { (name, $0) } })
    }

    /// Sets the columns beyond SPEC's (`ExerciseStatistics.extendedColumnNames`) and `profile_sex` of one row.
    static func extendedStatisticsUpdate(_ id: Int64, _ s: ExerciseStatistics) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(s.profile?.sex)
        binds.append(s.profile?.hrZones?.text)
        var assignments = ["profile_sex = $1", "profile_hr_zones = $2"]
        for (name, value) in zip(ExerciseStatistics.extendedColumnNames, s.extendedColumnValues) {
            binds.append(value)
            assignments.append("\(name) = $\(binds.count)")
        }
        binds.append(id)
        return PostgresQuery(unsafeSQL: "UPDATE exercise_statistics SET \(assignments.joined(separator: ", ")) WHERE exercise_id = $\(binds.count)",
                             binds: binds)
    }

    public func statisticsProfiles(userID: Int64) async throws -> [(exercise: ExerciseRecord, profile: HeartRateProfile?)] {
        try await rows("""
            SELECT x.*, s.profile_max_hr, s.profile_resting_hr, s.profile_sex, s.profile_ftp_w, s.profile_hr_zones
            FROM (SELECT \(unescaped: Self.exerciseColumns) FROM exercises WHERE user_id = \(userID)) x
            JOIN exercise_statistics s ON s.exercise_id = x.id ORDER BY x.id
            """).map { r in
            let profile = HeartRateProfile(maxHR: try r.value("profile_max_hr"), restingHR: try r.value("profile_resting_hr"),
                                           sex: try r.value("profile_sex"), ftpW: try r.value("profile_ftp_w"),
                                           hrZones: (try r.value("profile_hr_zones") as String?).flatMap(HeartRateZoneLimits.init(text:)))
            return (try Self.exerciseRecord(r), profile.isEmpty ? nil : profile)
        }
    }

    public func exerciseStatistics(exerciseID: Int64) async throws -> ExerciseStatistics? {
        try await rows("SELECT * FROM exercise_statistics WHERE exercise_id = \(exerciseID)").first.map(Self.exerciseStatistics)
    }

    public func exerciseSummaries(userID: Int64) async throws -> [ExerciseSummary] {
        try await rows("""
            SELECT \(unescaped: Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
            WHERE e.user_id = \(userID) ORDER BY e.start_utc_ms, e.id
            """).map(Self.summary)
    }

    public func upsertUserStatistics(userID: Int64, _ s: UserStatistics, computedAt: Int64) async throws {
        try await executeWrite("""
            INSERT INTO user_statistics(user_id, total_exercises, total_distance_m, total_duration_s, total_calories,
                avg_distance_m, avg_duration_s, avg_hr, total_hr_samples, most_common_sport, first_exercise_at, last_exercise_at,
                computed_at)
            VALUES (\(userID), \(s.totalExercises), \(s.totalDistanceM), \(s.totalDurationS), \(s.totalCalories), \(s.avgDistanceM),
                \(s.avgDurationS), \(s.avgHR), \(s.totalHRSamples), \(s.mostCommonSport), pp_ts(\(s.firstExerciseAtMillis)),
                pp_ts(\(s.lastExerciseAtMillis)), pp_ts(\(computedAt)))
            ON CONFLICT(user_id) DO UPDATE SET total_exercises = excluded.total_exercises,
                total_distance_m = excluded.total_distance_m, total_duration_s = excluded.total_duration_s,
                total_calories = excluded.total_calories, avg_distance_m = excluded.avg_distance_m,
                avg_duration_s = excluded.avg_duration_s, avg_hr = excluded.avg_hr, total_hr_samples = excluded.total_hr_samples,
                most_common_sport = excluded.most_common_sport, first_exercise_at = excluded.first_exercise_at,
                last_exercise_at = excluded.last_exercise_at, computed_at = excluded.computed_at
            """)
    }

    public func userStatistics(userID: Int64) async throws -> UserStatistics? {
        try await rows("""
            SELECT total_exercises, total_distance_m, total_duration_s, total_calories, avg_distance_m, avg_duration_s, avg_hr,
                total_hr_samples, most_common_sport, pp_ms(first_exercise_at) AS first_ms, pp_ms(last_exercise_at) AS last_ms
            FROM user_statistics WHERE user_id = \(userID)
            """).first.map { r in
            UserStatistics(totalExercises: try r.value("total_exercises"), totalDistanceM: try r.value("total_distance_m"),
                           totalDurationS: try r.value("total_duration_s"), totalCalories: try r.value("total_calories"),
                           avgDistanceM: try r.value("avg_distance_m"), avgDurationS: try r.value("avg_duration_s"),
                           avgHR: try r.value("avg_hr"), totalHRSamples: try r.value("total_hr_samples"),
                           mostCommonSport: try r.value("most_common_sport"), firstExerciseAtMillis: try r.value("first_ms"),
                           lastExerciseAtMillis: try r.value("last_ms"))
        }
    }

    public func computeGlobalStatistics() async throws -> GlobalStatistics {
        var g = GlobalStatistics()
        g.totalUsers = try await rows("SELECT COUNT(*)::bigint AS n FROM users WHERE \(unescaped: Self.athlete)").first?.value("n") ?? 0
        if let r = try await rows("""
            SELECT COUNT(*)::bigint AS n, COALESCE(SUM(s.distance_m), 0)::float8 AS distance,
                COALESCE(SUM(e.duration_s), 0)::float8 AS duration, COALESCE(SUM(e.calories), 0)::float8 AS calories,
                COALESCE(SUM(s.hr_samples), 0)::bigint AS hr, COALESCE(SUM(s.gps_points), 0)::bigint AS gps,
                MAX(e.start_utc_ms) AS newest
            FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
            """).first {
            g.totalExercises = try r.value("n")
            g.totalDistanceM = try r.value("distance")
            g.totalDurationS = try r.value("duration")
            g.totalCalories = try r.value("calories")
            g.totalHRSamples = try r.value("hr")
            g.totalGPSPoints = try r.value("gps")
            if let newest: Int64 = try r.value("newest") {
                let week: Int64 = 7 * 86_400_000
                let counts = try await rows("""
                    SELECT COUNT(*) FILTER (WHERE start_utc_ms > \(newest - week) AND start_utc_ms <= \(newest))::bigint AS last,
                        COUNT(*) FILTER (WHERE start_utc_ms > \(newest - 2 * week) AND start_utc_ms <= \(newest - week))::bigint AS prev
                    FROM exercises
                    """).first
                g.exercisesLast7d = try counts?.value("last") ?? 0
                g.exercisesPrev7d = try counts?.value("prev") ?? 0
            }
        }
        g.sportDistribution = try await rows("""
            SELECT sport, COUNT(*)::bigint AS n FROM exercises GROUP BY sport ORDER BY n DESC, sport
            """).map { SportCount(sport: try $0.value("sport"), exercises: try $0.value("n")) }
        return g
    }

    public func insertGlobalStatistics(runID: String, computedAt: Int64, _ g: GlobalStatistics) async throws {
        let sports = String(decoding: try JSONEncoder().encode(g.sportDistribution), as: UTF8.self)
        try await executeWrite("""
            INSERT INTO global_statistics(run_id, computed_at, total_users, total_exercises, total_distance_m,
                total_duration_s, total_calories, total_hr_samples, total_gps_points, exercises_last_7d, exercises_prev_7d,
                sport_distribution)
            VALUES (\(runID), pp_ts(\(computedAt)), \(g.totalUsers), \(g.totalExercises), \(g.totalDistanceM), \(g.totalDurationS),
                \(g.totalCalories), \(g.totalHRSamples), \(g.totalGPSPoints), \(g.exercisesLast7d), \(g.exercisesPrev7d), \(sports)::jsonb)
            ON CONFLICT(run_id) DO UPDATE SET computed_at = excluded.computed_at, total_users = excluded.total_users,
                total_exercises = excluded.total_exercises, total_distance_m = excluded.total_distance_m,
                total_duration_s = excluded.total_duration_s, total_calories = excluded.total_calories,
                total_hr_samples = excluded.total_hr_samples, total_gps_points = excluded.total_gps_points,
                exercises_last_7d = excluded.exercises_last_7d, exercises_prev_7d = excluded.exercises_prev_7d,
                sport_distribution = excluded.sport_distribution
            """)
    }

    public func latestGlobalStatistics() async throws -> GlobalStatistics? {
        // `ON CONFLICT … DO UPDATE` keeps the row's id, where SQLite's `INSERT OR REPLACE` gives a new one: order by
        // the time of computation so both stores answer the row written last.
        try await rows("""
            SELECT total_users, total_exercises, total_distance_m, total_duration_s, total_calories, total_hr_samples,
                total_gps_points, exercises_last_7d, exercises_prev_7d, sport_distribution::text AS sports
            FROM global_statistics ORDER BY computed_at DESC, id DESC LIMIT 1
            """).first.map { r in
            let sports = (try r.value("sports") as String?).flatMap {
                try? JSONDecoder().decode([SportCount].self, from: Data($0.utf8))
            } ?? []
            return GlobalStatistics(totalUsers: try r.value("total_users"), totalExercises: try r.value("total_exercises"),
                                    totalDistanceM: try r.value("total_distance_m"), totalDurationS: try r.value("total_duration_s"),
                                    totalCalories: try r.value("total_calories"), totalHRSamples: try r.value("total_hr_samples"),
                                    totalGPSPoints: try r.value("total_gps_points"), exercisesLast7d: try r.value("exercises_last_7d"),
                                    exercisesPrev7d: try r.value("exercises_prev_7d"), sportDistribution: sports)
        }
    }

    public func recentExercises(userID: Int64, limit: Int) async throws -> [ExerciseOverview] {
        let records = try await rows("""
            SELECT \(unescaped: Self.exerciseColumns) FROM exercises WHERE user_id = \(userID)
            ORDER BY start_utc_ms DESC, id DESC LIMIT \(limit)
            """).map(Self.exerciseRecord)
        var overviews: [ExerciseOverview] = []
        for record in records {
            overviews.append(ExerciseOverview(exercise: record, stats: try await exerciseStatistics(exerciseID: record.id)))
        }
        return overviews
    }

    // MARK: Weekly and daily tables

    static let summaryColumns = """
        e.id, e.user_id, e.sport, e.start_utc_ms, e.tz_offset_min, e.duration_s, s.distance_m, e.calories, s.hr_samples, s.hr_sum,
        s.trimp, s.best_1km_s, s.best_5km_s, s.best_10km_s,
        """ + PowerRecords.summaryColumns.map { "s." + $0 }.joined(separator: ", ")

    static func summary(_ r: PostgresRandomAccessRow) throws -> ExerciseSummary {
        var s = ExerciseSummary(sport: try r.value("sport"), startUTCMillis: try r.value("start_utc_ms"),
                                durationS: try r.value("duration_s"), distanceM: try r.value("distance_m"),
                                calories: try r.value("calories"), hrSamples: try r.value("hr_samples"), hrSum: try r.value("hr_sum"),
                                trimp: try r.value("trimp"), tzOffsetMinutes: try r.value("tz_offset_min") ?? 0)
        s.exerciseID = try r.value("id")
        s.best1kmS = try r.value("best_1km_s")
        s.best5kmS = try r.value("best_5km_s")
        s.best10kmS = try r.value("best_10km_s")
        let power = try Self.doubles(r, PowerRecords.summaryColumns)
        PowerRecords.read(into: &s) { power[$0] }
        return s
    }

    public func replaceUserRecords(userID: Int64, _ records: [PersonalRecord]) async throws {
        try await write { conn in
            try await conn.perform("DELETE FROM user_records WHERE user_id = \(userID)", logger: logger)
            for r in records {
                try await conn.perform("""
                    INSERT INTO user_records(user_id, sport, record, value, exercise_id, achieved_at)
                    VALUES (\(userID), \(r.sport), \(r.record), \(r.value), \(r.exerciseID), pp_ts(\(r.achievedAtMillis)))
                    """, logger: logger)
            }
        }
    }

    public func userRecords(userID: Int64) async throws -> [PersonalRecord] {
        try await rows("""
            SELECT sport, record, value, exercise_id, pp_ms(achieved_at) AS achieved_ms FROM user_records
            WHERE user_id = \(userID) ORDER BY sport COLLATE "C", record COLLATE "C"
            """).map {
            PersonalRecord(sport: try $0.value("sport"), record: try $0.value("record"), value: try $0.value("value"), exerciseID: try $0.value("exercise_id"),
                           achievedAtMillis: try $0.value("achieved_ms"))
        }
    }

    public func splits(exerciseID: Int64) async throws -> [Split] {
        try await rows("SELECT * FROM exercise_splits WHERE exercise_id = \(exerciseID) ORDER BY km").map {
            Split(km: try $0.value("km"), timeS: try $0.value("time_s"), paceMinPerKm: try $0.value("pace_min_per_km"),
                  hrAvg: try $0.value("hr_avg"), elevationM: try $0.value("elevation_m"))
        }
    }

    public func allExerciseSummaries() async throws -> [(userID: Int64, summary: ExerciseSummary)] {
        try await rows("""
            SELECT \(unescaped: Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id ORDER BY e.id
            """).map { (userID: try $0.value("user_id"), summary: try Self.summary($0)) }
    }

    public func exerciseSummaries(fromUTCMillis: Int64, toUTCMillis: Int64) async throws -> [(userID: Int64, summary: ExerciseSummary)] {
        try await rows("""
            SELECT \(unescaped: Self.summaryColumns) FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
            WHERE e.start_utc_ms >= \(fromUTCMillis) AND e.start_utc_ms < \(toUTCMillis) ORDER BY e.id
            """).map { (userID: try $0.value("user_id"), summary: try Self.summary($0)) }
    }

    /// Days since 1970-01-01 <-> DATE.
    static let epochDay = "DATE '1970-01-01'"

    static func insertGlobalWeeks(_ weeks: [WeeklyTotals], _ conn: PostgresConnection, _ logger: Logger) async throws {
        for w in weeks {
            try await conn.perform("""
                INSERT INTO global_weekly_statistics(iso_week, week_start, exercises, active_users, distance_m)
                VALUES (\(w.week), \(unescaped: epochDay) + \(w.monday)::int, \(w.exercises), \(w.activeUsers), \(w.distanceM))
                """, logger: logger)
        }
    }

    public func upsertGlobalWeekly(_ weeks: [WeeklyTotals], clearing labels: Set<String>) async throws {
        try await write { conn in
            try await conn.perform("DELETE FROM global_weekly_statistics WHERE iso_week = ANY(\(labels.sorted()))", logger: logger)
            try await Self.insertGlobalWeeks(weeks, conn, logger)
        }
    }

    public func replaceGlobalWeekly(_ weeks: [WeeklyTotals]) async throws {
        try await write { conn in
            try await conn.perform("DELETE FROM global_weekly_statistics", logger: logger)
            try await Self.insertGlobalWeeks(weeks, conn, logger)
        }
    }

    public func replaceUserWeekly(userID: Int64, _ weeks: [WeeklyTotals]) async throws {
        try await write { conn in
            try await conn.perform("DELETE FROM user_weekly_statistics WHERE user_id = \(userID)", logger: logger)
            for w in weeks {
                try await conn.perform("""
                    INSERT INTO user_weekly_statistics(user_id, iso_week, week_start, exercises, distance_m, duration_s, trimp)
                    VALUES (\(userID), \(w.week), \(unescaped: Self.epochDay) + \(w.monday)::int, \(w.exercises), \(w.distanceM),
                        \(w.durationS), \(w.trimp))
                    """, logger: logger)
            }
        }
    }

    public func replaceUserDailyLoad(userID: Int64, _ days: [DailyLoad]) async throws {
        try await write { conn in
            try await conn.perform("DELETE FROM user_daily_load WHERE user_id = \(userID)", logger: logger)
            guard !days.isEmpty else { return }
            // One statement for the whole history: a user has a row per day since the first exercise.
            try await conn.perform("""
                INSERT INTO user_daily_load(user_id, day, trimp, ctl, atl, tsb)
                SELECT \(userID), \(unescaped: Self.epochDay) + d::int, trimp, ctl, atl, ctl - atl
                FROM unnest(\(days.map { Int64($0.day) })::bigint[], \(days.map(\.trimp))::float8[],
                            \(days.map(\.ctl))::float8[], \(days.map(\.atl))::float8[]) AS v(d, trimp, ctl, atl)
                """, logger: logger)
        }
    }

    public func userWeekly(userID: Int64) async throws -> [WeeklyTotals] {
        try await rows("""
            SELECT iso_week, (week_start - \(unescaped: Self.epochDay))::bigint AS monday, exercises, distance_m, duration_s, trimp
            FROM user_weekly_statistics WHERE user_id = \(userID) ORDER BY week_start
            """).map {
            WeeklyTotals(week: try $0.value("iso_week"), monday: try $0.value("monday"), exercises: try $0.value("exercises"),
                         distanceM: try $0.value("distance_m"), durationS: try $0.value("duration_s"), trimp: try $0.value("trimp"),
                         activeUsers: 1)
        }
    }

    public func userDailyLoad(userID: Int64) async throws -> [DailyLoad] {
        try await rows("""
            SELECT (day - \(unescaped: Self.epochDay))::bigint AS d, trimp, ctl, atl FROM user_daily_load
            WHERE user_id = \(userID) ORDER BY day
            """).map {
            DailyLoad(day: try $0.value("d"), trimp: try $0.value("trimp"), ctl: try $0.value("ctl"), atl: try $0.value("atl"))
        }
    }

    public func globalWeekly() async throws -> [WeeklyTotals] {
        try await rows("""
            SELECT iso_week, (week_start - \(unescaped: Self.epochDay))::bigint AS monday, exercises, active_users, distance_m
            FROM global_weekly_statistics ORDER BY week_start
            """).map {
            WeeklyTotals(week: try $0.value("iso_week"), monday: try $0.value("monday"), exercises: try $0.value("exercises"),
                         distanceM: try $0.value("distance_m"), durationS: 0, trimp: 0, activeUsers: try $0.value("active_users"))
        }
    }
}

extension PostgresRandomAccessRow {
    /// The value of column `name`, decoded as `T` (an optional type for nullable columns).
    func value<T: PostgresDecodable>(_ name: String) throws -> T {
        try self[name].decode(T.self, context: .default)
    }
}

extension PostgresConnection {
    /// Runs a statement whose rows are not needed.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

extension PostgresClient {
    /// Runs a statement whose rows are not needed.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

import Foundation

/// Settings of the pipeline. Each has a documented default (docs/CONFIGURATION.md).
public struct PipelineConfiguration: Sendable, Equatable {
    /// `limits.*`: file size, JSON depth, longest exercise.
    public var limits = InputLimits()
    /// `inbox.settle_seconds`: files changed more recently are not claimed (default 0).
    public var settleSeconds: Double = 0
    /// `batch.max_exercises`: at most this many exercises per run (default 1000).
    public var maxExercisesPerRun: Int = 1000
    /// `run.retries` / `run.retry_delay`: task retry policy (default 3 × 300 s).
    public var retryPolicy = RetryPolicy()
    /// `[retries]` / `[retry_delay]` tables: per-task overrides (`generate_reports = 5`).
    public var taskRetries: [String: Int] = [:]
    public var taskRetryDelays: [String: Double] = [:]

    /// The retry policy of one task: the run's, with the task's overrides.
    public func retryPolicy(for taskID: String) -> RetryPolicy {
        var policy = retryPolicy
        if let n = taskRetries[taskID] { policy.retries = n }
        if let d = taskRetryDelays[taskID] { policy.delaySeconds = d }
        return policy
    }
    /// `reports.webhook`: URL that receives an HTTP POST of the run summary when a run succeeds.
    public var reportWebhook: String?
    /// `reports.map_tiles`: the tile server routes are drawn on (a URL template); nil (the default): no map, nothing fetched.
    public var mapTiles: MapTiles?
    /// Two exercises of a user with the same sport starting within this many ms are the same (default 2000).
    public var duplicateToleranceMillis: Int64 = 2000
    /// Lifetime of the run lease without a heartbeat (default 60 s).
    public var leaseTTLMillis: Int64 = 60_000
    /// Exercises per database transaction in the load tasks (bounds memory).
    public var chunkSize: Int = 32
    /// `batch.shard_files`, `batch.shard_bytes`, `batch.shard_users`: the size of a shard of the mapped tasks.
    public var shardLimits = ShardLimits()
    /// `run.parallelism`: mapped task instances that run at once in one process (default: the number of cores).
    public var parallelism: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// `run.timeout`: a run still going after this many seconds fails (default 4 h, the seed's window).
    public var runTimeoutSeconds: Double = 4 * 3600
    /// `run.task_timeout`: one try of a task fails after this many seconds (default 1 h).
    public var taskTimeoutSeconds: Double = 3600
    /// `alerts.webhook`: URL that receives an HTTP POST of the JSON run summary when a run fails.
    public var alertWebhook: String?
    /// `alerts.command`: shell command run when a run fails, with the JSON summary on its standard input.
    public var alertCommand: String?
    /// `database.url`: the database (default the workspace's SQLite file).
    public var databaseURL: String?
    /// `database.read_url`: where read-only commands query (a read replica); default `database.url`.
    public var readDatabaseURL: String?
    /// `schedule.cron`: when the service runs the DAG (UTC).
    public var scheduleCron: String = "0 2 * * *"
    /// `service.max_upload_bytes`: largest upload body the service accepts (default 256 MiB); larger → 413.
    public var maxUploadBytes: Int = 256 << 20
    /// `accesslink.base_url`: the AccessLink API (default `https://www.polaraccesslink.com`; the client adds `/v3/…`).
    public var accessLinkBaseURL: String = "https://www.polaraccesslink.com"
    /// `accesslink.flow`: `exercises` (the non-transactional `/v3/exercises`, default) or `transactions`.
    public var accessLinkFlow: String = "exercises"
    /// `accesslink.sync_cron`: when `serve` pulls new exercises from AccessLink (UTC; default hourly; empty = never).
    public var accessLinkSyncCron: String = "15 * * * *"
    /// `accesslink.client_id`: the id of the API client registered with Polar; empty: no "Connect Polar account".
    public var accessLinkClientID: String = ""
    /// `accesslink.client_secret` (environment only, `POLARPIPE_ACCESSLINK_CLIENT_SECRET`): the client's secret.
    public var accessLinkClientSecret: SecretText?
    /// `accesslink.authorization_url`: where an athlete is sent to allow polarpipe to read their Polar data.
    public var accessLinkAuthorizationURL: String = "https://flow.polar.com/oauth2/authorization"
    /// `accesslink.token_url`: where an authorization code is exchanged for an access token.
    public var accessLinkTokenURL: String = "https://polarremote.com/v2/oauth2/token"
    /// `accesslink.redirect_url`: the callback URL registered with the client (`https://host/accesslink/callback`);
    /// empty: none is sent, and Polar uses the one registered.
    public var accessLinkRedirectURL: String = ""
    /// `accesslink.token_key` (environment only, `POLARPIPE_ACCESSLINK_TOKEN_KEY`): 32 bytes in base64, the AES-GCM
    /// key the access tokens are stored encrypted with.
    public var accessLinkTokenKey: SecretText?
    /// `service.cache`: where `serve` caches rendered pages and statistics responses (default the in-process LRU).
    public var cache: CacheSetting = .memory
    /// `service.cache_max_entries` / `service.cache_max_bytes`: the bounds of the in-process LRU.
    public var cacheMaxEntries: Int = 1024
    public var cacheMaxBytes: Int = 64 << 20
    /// `zones.<sport>`: heart-rate zone limits per sport, for exercises whose file states none.
    public var heartRateZones = SportHeartRateZones()
    public init() {}
}

/// The accepted range of every numeric setting. Durations end up as nanosecond or millisecond integers and counts
/// as loop bounds, so a value outside its range is refused when the configuration is read, with a message that
/// names the setting and the range — never converted into something that overflows later.
public enum ConfigurationBounds {
    public static let retries: ClosedRange<Int> = 0 ... 100
    /// `run.retry_delay`, `run.retry_max_delay`, `retry_delay.<task>`: up to 7 days.
    public static let delaySeconds: ClosedRange<Double> = 0 ... 604_800
    /// `run.timeout`, `run.task_timeout`: 1 ms to 30 days.
    public static let timeoutSeconds: ClosedRange<Double> = 0.001 ... 2_592_000
    /// `run.lease_seconds`: 1 s to 1 day.
    public static let leaseSeconds: ClosedRange<Double> = 1 ... 86_400
    /// `inbox.settle_seconds`: up to 1 day.
    public static let settleSeconds: ClosedRange<Double> = 0 ... 86_400
    public static let maxExercises: ClosedRange<Int> = 1 ... 10_000_000
    public static let chunkSize: ClosedRange<Int> = 1 ... 100_000
    /// `batch.shard_files`, `batch.shard_users`.
    public static let shardCount: ClosedRange<Int> = 1 ... 100_000
    /// `batch.shard_bytes`: 1 KiB to 64 GiB.
    public static let shardBytes: ClosedRange<Int> = 1024 ... 1 << 36
    /// `run.parallelism`.
    public static let parallelism: ClosedRange<Int> = 1 ... 256
    /// `limits.max_file_bytes`, `limits.max_zip_bytes`, `service.max_upload_bytes`: 1 byte to 1 PiB.
    public static let bytes: ClosedRange<Int> = 1 ... 1 << 50
    public static let zipRatio: ClosedRange<Double> = 1 ... 1_000_000
    public static let jsonDepth: ClosedRange<Int> = 1 ... 10_000
    /// `service.cache_max_entries`.
    public static let cacheEntries: ClosedRange<Int> = 1 ... 1_000_000
    /// A TCP port of a server polarpipe connects to (`redis://host:port`).
    public static let port: ClosedRange<Int> = 1 ... 65_535

    /// "from 1 to 100" for a message.
    static func text<T: Comparable>(_ range: ClosedRange<T>) -> String { "from \(range.lowerBound) to \(range.upperBound)" }

    /// Checks a configuration built in code or changed by command-line flags against the same bounds as the loader.
    public static func validate(_ c: PipelineConfiguration) throws {
        func check<T: Comparable>(_ name: String, _ value: T, _ range: ClosedRange<T>) throws {
            guard range.contains(value) else {
                throw ConfigurationError(message: "\(name) must be \(text(range)) (got \(value))")
            }
        }
        try check("run.retries", c.retryPolicy.retries, retries)
        try check("run.retry_delay", c.retryPolicy.delaySeconds, delaySeconds)
        try check("run.retry_max_delay", c.retryPolicy.maxDelaySeconds, delaySeconds)
        try check("run.timeout", c.runTimeoutSeconds, timeoutSeconds)
        try check("run.task_timeout", c.taskTimeoutSeconds, timeoutSeconds)
        try check("run.lease_seconds", Double(c.leaseTTLMillis) / 1000, leaseSeconds)
        try check("inbox.settle_seconds", c.settleSeconds, settleSeconds)
        try check("batch.max_exercises", c.maxExercisesPerRun, maxExercises)
        try check("batch.chunk_size", c.chunkSize, chunkSize)
        try check("batch.shard_files", c.shardLimits.files, shardCount)
        try check("batch.shard_bytes", Int(clamping: c.shardLimits.bytes), shardBytes)
        try check("batch.shard_users", c.shardLimits.users, shardCount)
        try check("run.parallelism", c.parallelism, parallelism)
        try check("limits.max_file_bytes", c.limits.maxFileBytes, bytes)
        try check("limits.max_zip_bytes", c.limits.maxZipBytes, bytes)
        try check("limits.max_zip_ratio", c.limits.maxZipRatio, zipRatio)
        try check("limits.max_json_depth", c.limits.maxJSONDepth, jsonDepth)
        try check("service.max_upload_bytes", c.maxUploadBytes, bytes)
        try check("service.cache_max_entries", c.cacheMaxEntries, cacheEntries)
        try check("service.cache_max_bytes", c.cacheMaxBytes, bytes)
        for (task, n) in c.taskRetries.sorted(by: { $0.key < $1.key }) { try check("retries.\(task)", n, retries) }
        for (task, d) in c.taskRetryDelays.sorted(by: { $0.key < $1.key }) { try check("retry_delay.\(task)", d, delaySeconds) }
    }
}

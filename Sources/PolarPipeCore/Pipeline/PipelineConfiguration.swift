/// Settings of the pipeline. Each has a documented default (README "Configuration").
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
    /// Two exercises of a user with the same sport starting within this many ms are the same (default 2000).
    public var duplicateToleranceMillis: Int64 = 2000
    /// Lifetime of the run lease without a heartbeat (default 60 s).
    public var leaseTTLMillis: Int64 = 60_000
    /// Exercises per database transaction in the load tasks (bounds memory).
    public var chunkSize: Int = 32
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
    public init() {}
}

import Foundation
import TOMLKit

public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

/// Reads `polarpipe.toml` and `POLARPIPE_*` environment variables into a `PipelineConfiguration`. The environment
/// wins over the file; command-line flags (applied by the caller) win over both.
///
/// Every key is `section.name` in the file and `POLARPIPE_SECTION_NAME` in the environment
/// (`batch.max_exercises` ↔ `POLARPIPE_BATCH_MAX_EXERCISES`). Unknown keys and bad values are errors.
public enum ConfigurationLoader {
    public struct Key: Sendable {
        public let name: String
        public let type: String
        public let defaultValue: String
        public let help: String
        /// The accepted values of a numeric setting ("from 1 to 100"), nil for others.
        public let range: String?
        /// A secret (a client secret, a key): read only from the environment, and never repeated in a message.
        public let secret: Bool
        let apply: @Sendable (inout PipelineConfiguration, String) -> Bool

        init(name: String, type: String, defaultValue: String, help: String, range: String? = nil, secret: Bool = false,
             apply: @escaping @Sendable (inout PipelineConfiguration, String) -> Bool) {
            self.name = name
            self.type = type
            self.defaultValue = defaultValue
            self.help = help
            self.range = range
            self.secret = secret
            self.apply = apply
        }

        /// The environment variable of the setting (`accesslink.token_key` ↔ `POLARPIPE_ACCESSLINK_TOKEN_KEY`).
        public var environmentName: String { "POLARPIPE_" + name.replacingOccurrences(of: ".", with: "_").uppercased() }

        /// A setting whose value is an http(s) URL, stored with `set`.
        static func url(_ name: String, _ defaultValue: String, _ help: String,
                        _ set: @escaping @Sendable (inout PipelineConfiguration, String) -> Void) -> Key {
            Key(name: name, type: "URL", defaultValue: defaultValue, help: help) { c, v in
                guard URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
                set(&c, v); return true
            }
        }

        /// A setting whose value is an integer in `bounds`.
        static func integer(_ name: String, _ defaultValue: String, _ help: String, _ bounds: ClosedRange<Int>,
                            _ set: @escaping @Sendable (inout PipelineConfiguration, Int) -> Void) -> Key {
            Key(name: name, type: "integer", defaultValue: defaultValue, help: help, range: ConfigurationBounds.text(bounds)) { c, v in
                guard let n = ConfigurationLoader.int(v, in: bounds) else { return false }
                set(&c, n)
                return true
            }
        }

        /// A setting whose value is a number (of seconds, unless `type` says otherwise) in `bounds`.
        static func number(_ name: String, _ defaultValue: String, _ help: String, _ bounds: ClosedRange<Double>,
                           type: String = "seconds", _ set: @escaping @Sendable (inout PipelineConfiguration, Double) -> Void) -> Key {
            Key(name: name, type: type, defaultValue: defaultValue, help: help, range: ConfigurationBounds.text(bounds)) { c, v in
                guard let d = ConfigurationLoader.double(v, in: bounds) else { return false }
                set(&c, d)
                return true
            }
        }
    }

    static func int(_ s: String, in bounds: ClosedRange<Int>) -> Int? { Int(s).flatMap { bounds.contains($0) ? $0 : nil } }
    static func double(_ s: String, in bounds: ClosedRange<Double>) -> Double? {
        Double(s).flatMap { bounds.contains($0) ? $0 : nil }
    }
    static func bool(_ s: String) -> Bool? { ["true": true, "false": false, "1": true, "0": false][s.lowercased()] }

    /// All settings, with their types and defaults (the table in docs/CONFIGURATION.md).
    public static let keys: [Key] = [
        .integer("run.retries", "3", "retries of a failed task", ConfigurationBounds.retries) { $0.retryPolicy.retries = $1 },
        .number("run.retry_delay", "300", "delay before a retry", ConfigurationBounds.delaySeconds) { $0.retryPolicy.delaySeconds = $1 },
        Key(name: "run.retry_exponential_backoff", type: "boolean", defaultValue: "false", help: "double the delay on each further retry") { c, v in
            guard let b = bool(v) else { return false }; c.retryPolicy.exponentialBackoff = b; return true },
        .number("run.retry_max_delay", "3600", "cap of a backed-off delay", ConfigurationBounds.delaySeconds) {
            $0.retryPolicy.maxDelaySeconds = $1 },
        .number("run.timeout", "14400", "a run still going after this fails (4 h, the seed's window)", ConfigurationBounds.timeoutSeconds) {
            $0.runTimeoutSeconds = $1 },
        .number("run.task_timeout", "3600", "execution timeout of one try of a task", ConfigurationBounds.timeoutSeconds) {
            $0.taskTimeoutSeconds = $1 },
        .number("run.lease_seconds", "60", "the run lease lapses after this long without a heartbeat", ConfigurationBounds.leaseSeconds) {
            $0.leaseTTLMillis = CheckedConversion.millis(seconds: $1, in: ConfigurationBounds.leaseSeconds) ?? 60_000 },
        .number("inbox.settle_seconds", "0", "files changed more recently are not claimed", ConfigurationBounds.settleSeconds) {
            $0.settleSeconds = $1 },
        .integer("batch.max_exercises", "1000", "at most this many exercises per run", ConfigurationBounds.maxExercises) {
            $0.maxExercisesPerRun = $1 },
        .integer("batch.chunk_size", "32", "exercises per database transaction in the load tasks", ConfigurationBounds.chunkSize) {
            $0.chunkSize = $1 },
        .integer("batch.shard_files", "64", "files per shard of the mapped tasks", ConfigurationBounds.shardCount) {
            $0.shardLimits.files = $1 },
        .integer("batch.shard_bytes", "67108864", "bytes per shard of the mapped tasks (64 MiB)", ConfigurationBounds.shardBytes) {
            $0.shardLimits.bytes = Int64($1) },
        .integer("batch.shard_users", "64", "users per shard of update_user_statistics", ConfigurationBounds.shardCount) {
            $0.shardLimits.users = $1 },
        .integer("run.parallelism", "cores", "mapped task instances run at once by one process", ConfigurationBounds.parallelism) {
            $0.parallelism = $1 },
        .integer("limits.max_file_bytes", "268435456", "larger files are quarantined (256 MiB)", ConfigurationBounds.bytes) {
            $0.limits.maxFileBytes = $1 },
        .integer("limits.max_zip_bytes", "4294967296", "largest total uncompressed size of a zip (4 GiB)", ConfigurationBounds.bytes) {
            $0.limits.maxZipBytes = $1 },
        .number("limits.max_zip_ratio", "200", "highest compression ratio of a zip", ConfigurationBounds.zipRatio, type: "number") {
            $0.limits.maxZipRatio = $1 },
        .integer("limits.max_json_depth", "64", "deepest JSON nesting", ConfigurationBounds.jsonDepth) { $0.limits.maxJSONDepth = $1 },
        Key(name: "alerts.webhook", type: "URL", defaultValue: "", help: "HTTP POST of a JSON run summary when a run fails") { c, v in
            guard v.isEmpty || URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.alertWebhook = v.isEmpty ? nil : v; return true },
        Key(name: "alerts.command", type: "string", defaultValue: "", help: "command run (with /bin/sh) when a run fails; the summary is on its standard input") { c, v in
            c.alertCommand = v.isEmpty ? nil : v; return true },
        Key(name: "reports.webhook", type: "URL", defaultValue: "", help: "HTTP POST of the JSON run summary when a run succeeds") { c, v in
            guard v.isEmpty || URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.reportWebhook = v.isEmpty ? nil : v; return true },
        Key(name: "reports.map_tiles", type: "URL", defaultValue: "", help: "tile URL template ({z}/{x}/{y}) to draw routes on a map; none: no map") { c, v in
            guard v.isEmpty || MapTiles(template: v) != nil else { return false }
            c.mapTiles = v.isEmpty ? nil : MapTiles(template: v); return true },
        Key(name: "database.url", type: "string", defaultValue: "<workspace>/polarpipe.sqlite", help: "database file or URL") { c, v in
            c.databaseURL = v.isEmpty ? nil : v; return true },
        Key(name: "database.read_url", type: "string", defaultValue: "database.url", help: "database that stats, report and runs read (a read replica)") { c, v in
            c.readDatabaseURL = v.isEmpty ? nil : v; return true },
        Key(name: "schedule.cron", type: "cron", defaultValue: "0 2 * * *", help: "when the service runs the DAG (UTC)") { c, v in
            guard (try? CronSchedule(v)) != nil else { return false }; c.scheduleCron = v; return true },
        .integer("service.max_upload_bytes", "268435456", "largest upload body (256 MiB); larger answers 413", ConfigurationBounds.bytes) {
            $0.maxUploadBytes = $1 },
        Key(name: "service.cache", type: "memory, off or redis://host:port", defaultValue: "memory",
            help: "where serve caches rendered pages and statistics responses") { c, v in
            guard let setting = CacheSetting(v) else { return false }; c.cache = setting; return true },
        .integer("service.cache_max_entries", "1024", "responses the in-process cache keeps", ConfigurationBounds.cacheEntries) {
            $0.cacheMaxEntries = $1 },
        .integer("service.cache_max_bytes", "67108864", "bytes of responses the in-process cache keeps (64 MiB)", ConfigurationBounds.bytes) {
            $0.cacheMaxBytes = $1 },
        .url("accesslink.base_url", "https://www.polaraccesslink.com", "the Polar AccessLink API") {
            $0.accessLinkBaseURL = $1.hasSuffix("/") ? String($1.dropLast()) : $1 },
        Key(name: "accesslink.flow", type: "string", defaultValue: "exercises", help: "exercises (/v3/exercises) or transactions (exercise transactions)") { c, v in
            guard v == "exercises" || v == "transactions" else { return false }; c.accessLinkFlow = v; return true },
        Key(name: "accesslink.sync_cron", type: "cron", defaultValue: "15 * * * *", help: "when serve pulls from AccessLink (UTC); empty: never") { c, v in
            guard v.isEmpty || (try? CronSchedule(v)) != nil else { return false }; c.accessLinkSyncCron = v; return true },
        Key(name: "accesslink.client_id", type: "string", defaultValue: "", help: "the AccessLink API client's id; empty: no Connect Polar account") { c, v in
            c.accessLinkClientID = v; return true },
        Key(name: "accesslink.client_secret", type: "string", defaultValue: "", help: "the API client's secret (environment only)", secret: true) { c, v in
            c.accessLinkClientSecret = v.isEmpty ? nil : SecretText(v); return true },
        .url("accesslink.authorization_url", "https://flow.polar.com/oauth2/authorization", "where an athlete allows polarpipe to read their data") {
            $0.accessLinkAuthorizationURL = $1 },
        .url("accesslink.token_url", "https://polarremote.com/v2/oauth2/token", "where an authorization code is exchanged for a token") {
            $0.accessLinkTokenURL = $1 },
        Key(name: "accesslink.redirect_url", type: "URL", defaultValue: "", help: "the callback registered with the client (https://host/accesslink/callback); empty: Polar's registered one") { c, v in
            guard v.isEmpty || URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.accessLinkRedirectURL = v; return true },
        Key(name: "accesslink.token_key", type: "32 bytes in base64", defaultValue: "", help: "the key access tokens are stored encrypted with (environment only)", secret: true) { c, v in
            guard v.isEmpty || Data(base64Encoded: v)?.count == 32 else { return false }
            c.accessLinkTokenKey = v.isEmpty ? nil : SecretText(v); return true },
    ]

    /// The configuration from the file (if it exists) and the environment.
    public static func load(file: URL?, environment: [String: String]) throws -> PipelineConfiguration {
        var settings: [(source: String, key: String, value: String)] = []
        if let file, FileManager.default.fileExists(atPath: file.path) {
            let text = try String(contentsOf: file, encoding: .utf8)
            let table: TOMLTable
            do {
                table = try TOMLTable(string: text)
            } catch {
                throw ConfigurationError(message: "\(file.path) is not valid TOML: \(error)")
            }
            for section in table.keys {
                guard let inner = table[section]?.table else {
                    throw ConfigurationError(message: "\(file.path): '\(section)' must be a [section]")
                }
                for name in inner.keys {
                    guard let value = inner[name] else { continue }
                    // An array of numbers (`zones.<sport>`) is read as its numbers joined by commas.
                    let list = value.array.flatMap { array -> String? in
                        let numbers = array.map { $0.int.map(String.init) ?? $0.double.map { String($0) } }
                        return numbers.contains(nil) ? nil : numbers.compactMap { $0 }.joined(separator: ",")
                    }
                    let text = value.string ?? value.int.map(String.init) ?? value.double.map { String($0) } ?? value.bool.map(String.init) ?? list
                    guard let text else {
                        throw ConfigurationError(message: "\(file.path): \(section).\(name) must be a string, number, boolean or array of numbers")
                    }
                    settings.append((file.lastPathComponent, "\(section).\(name)", text))
                }
            }
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("POLARPIPE_") {
            let rest = name.dropFirst("POLARPIPE_".count).lowercased()
            guard let split = rest.firstIndex(of: "_") else { continue }
            let key = rest[..<split] + "." + rest[rest.index(after: split)...]
            settings.append(("environment \(name)", String(key), value))
        }
        var configuration = PipelineConfiguration()
        let taskIDs = Set((try? TrainingPipeline.graph().tasks.map(\.id)) ?? [])
        for (source, key, value) in settings {
            // Per-task overrides: `retries.<task_id>` and `retry_delay.<task_id>`.
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "retries" || parts[0] == "retry_delay" {
                guard taskIDs.contains(parts[1]) else {
                    throw ConfigurationError(message: "unknown task \(parts[1]) in \(key) (from \(source)); see `polarpipe dag`")
                }
                if parts[0] == "retries", let n = int(value, in: ConfigurationBounds.retries) {
                    configuration.taskRetries[parts[1]] = n
                } else if parts[0] == "retry_delay", let d = double(value, in: ConfigurationBounds.delaySeconds) {
                    configuration.taskRetryDelays[parts[1]] = d
                } else {
                    let expected = parts[0] == "retries" ? "an integer " + ConfigurationBounds.text(ConfigurationBounds.retries)
                        : "seconds " + ConfigurationBounds.text(ConfigurationBounds.delaySeconds)
                    throw ConfigurationError(message: "bad value '\(value)' for \(key) (from \(source)): expected \(expected)")
                }
                continue
            }
            // Heart-rate zones of one sport: `zones.<sport>`.
            if parts.count == 2, parts[0] == "zones" {
                guard configuration.heartRateZones.set(sport: parts[1], text: value) else {
                    throw ConfigurationError(message: "bad value '\(value)' for \(key) (from \(source)): expected \(SportHeartRateZones.expected)")
                }
                continue
            }
            guard let spec = keys.first(where: { $0.name == key }) else {
                throw ConfigurationError(message: "unknown setting \(key) (from \(source)); see docs/CONFIGURATION.md")
            }
            if spec.secret {
                guard source.hasPrefix("environment") else {
                    throw ConfigurationError(message: "\(key) is a secret: set it in the environment (\(spec.environmentName)), not in \(source)")
                }
                guard spec.apply(&configuration, value) else {
                    throw ConfigurationError(message: "bad value for \(key) (from \(source)): expected \(spec.type)")
                }
                continue
            }
            guard spec.apply(&configuration, value) else {
                throw ConfigurationError(message: "bad value '\(value)' for \(key) (from \(source)): expected \(spec.type)"
                                         + (spec.range.map { " " + $0 } ?? ""))
            }
        }
        return configuration
    }
}

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
        let apply: @Sendable (inout PipelineConfiguration, String) -> Bool
    }

    static func int(_ s: String) -> Int? { Int(s) }
    static func double(_ s: String) -> Double? { Double(s).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
    static func bool(_ s: String) -> Bool? { ["true": true, "false": false, "1": true, "0": false][s.lowercased()] }

    /// All settings, with their types and defaults (the README's configuration table).
    public static let keys: [Key] = [
        Key(name: "run.retries", type: "integer", defaultValue: "3", help: "retries of a failed task") { c, v in
            guard let n = int(v), n >= 0 else { return false }; c.retryPolicy.retries = n; return true },
        Key(name: "run.retry_delay", type: "seconds", defaultValue: "300", help: "delay before a retry") { c, v in
            guard let d = double(v) else { return false }; c.retryPolicy.delaySeconds = d; return true },
        Key(name: "run.retry_exponential_backoff", type: "boolean", defaultValue: "false", help: "double the delay on each further retry") { c, v in
            guard let b = bool(v) else { return false }; c.retryPolicy.exponentialBackoff = b; return true },
        Key(name: "run.retry_max_delay", type: "seconds", defaultValue: "3600", help: "cap of a backed-off delay") { c, v in
            guard let d = double(v) else { return false }; c.retryPolicy.maxDelaySeconds = d; return true },
        Key(name: "run.timeout", type: "seconds", defaultValue: "14400", help: "a run still going after this fails (4 h, the seed's window)") { c, v in
            guard let d = double(v), d > 0 else { return false }; c.runTimeoutSeconds = d; return true },
        Key(name: "run.task_timeout", type: "seconds", defaultValue: "3600", help: "execution timeout of one try of a task") { c, v in
            guard let d = double(v), d > 0 else { return false }; c.taskTimeoutSeconds = d; return true },
        Key(name: "run.lease_seconds", type: "seconds", defaultValue: "60", help: "the run lease lapses after this long without a heartbeat") { c, v in
            guard let d = double(v), d >= 1 else { return false }; c.leaseTTLMillis = Int64(d * 1000); return true },
        Key(name: "inbox.settle_seconds", type: "seconds", defaultValue: "0", help: "files changed more recently are not claimed") { c, v in
            guard let d = double(v) else { return false }; c.settleSeconds = d; return true },
        Key(name: "batch.max_exercises", type: "integer", defaultValue: "1000", help: "at most this many exercises per run") { c, v in
            guard let n = int(v), n > 0 else { return false }; c.maxExercisesPerRun = n; return true },
        Key(name: "batch.chunk_size", type: "integer", defaultValue: "32", help: "exercises per database transaction in the load tasks") { c, v in
            guard let n = int(v), n > 0 else { return false }; c.chunkSize = n; return true },
        Key(name: "limits.max_file_bytes", type: "integer", defaultValue: "268435456", help: "larger files are quarantined (256 MiB)") { c, v in
            guard let n = int(v), n > 0 else { return false }; c.limits.maxFileBytes = n; return true },
        Key(name: "limits.max_zip_bytes", type: "integer", defaultValue: "4294967296", help: "largest total uncompressed size of a zip (4 GiB)") { c, v in
            guard let n = int(v), n > 0 else { return false }; c.limits.maxZipBytes = n; return true },
        Key(name: "limits.max_zip_ratio", type: "number", defaultValue: "200", help: "highest compression ratio of a zip") { c, v in
            guard let d = double(v), d >= 1 else { return false }; c.limits.maxZipRatio = d; return true },
        Key(name: "limits.max_json_depth", type: "integer", defaultValue: "64", help: "deepest JSON nesting") { c, v in
            guard let n = int(v), n > 0, n <= 10_000 else { return false }; c.limits.maxJSONDepth = n; return true },
        Key(name: "alerts.webhook", type: "URL", defaultValue: "", help: "HTTP POST of a JSON run summary when a run fails") { c, v in
            guard v.isEmpty || URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.alertWebhook = v.isEmpty ? nil : v; return true },
        Key(name: "alerts.command", type: "string", defaultValue: "", help: "command run (with /bin/sh) when a run fails; the summary is on its standard input") { c, v in
            c.alertCommand = v.isEmpty ? nil : v; return true },
        Key(name: "reports.webhook", type: "URL", defaultValue: "", help: "HTTP POST of the JSON run summary when a run succeeds") { c, v in
            guard v.isEmpty || URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.reportWebhook = v.isEmpty ? nil : v; return true },
        Key(name: "database.url", type: "string", defaultValue: "<workspace>/polarpipe.sqlite", help: "database file or URL") { c, v in
            c.databaseURL = v.isEmpty ? nil : v; return true },
        Key(name: "database.read_url", type: "string", defaultValue: "database.url", help: "database that stats, report and runs read (a read replica)") { c, v in
            c.readDatabaseURL = v.isEmpty ? nil : v; return true },
        Key(name: "schedule.cron", type: "cron", defaultValue: "0 2 * * *", help: "when the service runs the DAG (UTC)") { c, v in
            guard (try? CronSchedule(v)) != nil else { return false }; c.scheduleCron = v; return true },
        Key(name: "service.max_upload_bytes", type: "integer", defaultValue: "268435456", help: "largest upload body (256 MiB); larger answers 413") { c, v in
            guard let n = int(v), n > 0 else { return false }; c.maxUploadBytes = n; return true },
        Key(name: "accesslink.base_url", type: "URL", defaultValue: "https://www.polaraccesslink.com", help: "the Polar AccessLink API") { c, v in
            guard URL(string: v)?.scheme?.hasPrefix("http") == true else { return false }
            c.accessLinkBaseURL = v.hasSuffix("/") ? String(v.dropLast()) : v; return true },
        Key(name: "accesslink.flow", type: "string", defaultValue: "exercises", help: "exercises (/v3/exercises) or transactions (exercise transactions)") { c, v in
            guard v == "exercises" || v == "transactions" else { return false }; c.accessLinkFlow = v; return true },
        Key(name: "accesslink.sync_cron", type: "cron", defaultValue: "15 * * * *", help: "when serve pulls from AccessLink (UTC); empty: never") { c, v in
            guard v.isEmpty || (try? CronSchedule(v)) != nil else { return false }; c.accessLinkSyncCron = v; return true },
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
                    let text = value.string ?? value.int.map(String.init) ?? value.double.map { String($0) } ?? value.bool.map(String.init)
                    guard let text else {
                        throw ConfigurationError(message: "\(file.path): \(section).\(name) must be a string, number or boolean")
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
                if parts[0] == "retries", let n = int(value), n >= 0 {
                    configuration.taskRetries[parts[1]] = n
                } else if parts[0] == "retry_delay", let d = double(value) {
                    configuration.taskRetryDelays[parts[1]] = d
                } else {
                    throw ConfigurationError(message: "bad value '\(value)' for \(key) (from \(source))")
                }
                continue
            }
            guard let spec = keys.first(where: { $0.name == key }) else {
                throw ConfigurationError(message: "unknown setting \(key) (from \(source)); see README, Configuration")
            }
            guard spec.apply(&configuration, value) else {
                throw ConfigurationError(message: "bad value '\(value)' for \(key) (from \(source)): expected \(spec.type)")
            }
        }
        return configuration
    }
}

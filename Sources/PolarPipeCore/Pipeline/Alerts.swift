import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The JSON body of a failure alert.
public struct RunAlert: Codable, Sendable, Equatable {
    public var run_id: String
    public var state: String
    public var failed_task: String?
    public var error: String?
    public var files: Int
    public var loaded: Int
    public var quarantined: Int
    public var duplicates: Int
    public var exercises: Int
    public var hr_samples: Int
    public var gps_points: Int

    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// Sends the failure alert of a run to the configured webhook (HTTP POST, JSON) and/or command (`/bin/sh -c`, the
/// JSON on standard input). Called once when a run has failed, never for a retry. Delivery problems are logged,
/// not thrown: an alert must not change the run's outcome.
public enum Alerts {
    public static func summary(runID: String, outcome: RunOutcome, store: any PipelineStore) async -> RunAlert {
        let total = ((try? await ImportReport.load(runID: runID, store: store)) ?? ImportReport(runID: runID)).total
        let hr = outcome.outputs["load_heart_rate_samples"]?.counts["samples"] ?? 0
        let gps = outcome.outputs["load_gps_route_points"]?.counts["points"] ?? 0
        return RunAlert(run_id: runID, state: outcome.state.rawValue, failed_task: outcome.failedTask, error: outcome.error,
                        files: total.files, loaded: total.loaded + total.pending, quarantined: total.quarantinedCount,
                        duplicates: total.duplicates, exercises: (try? await store.exerciseCount(runID: runID)) ?? 0,
                        hr_samples: hr, gps_points: gps)
    }

    /// POSTs the summary as JSON; failures are logged.
    public static func post(_ alert: RunAlert, to webhook: String, logger: Logger) async {
        guard let url = URL(string: webhook) else { return }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = alert.json
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if !(200 ..< 300).contains(status) {
                logger.error("webhook answered with an error", metadata: ["status": "\(status)"])
            }
        } catch {
            logger.error("webhook failed", metadata: ["error": "\(error)"])
        }
    }

    public static func send(_ alert: RunAlert, configuration: PipelineConfiguration, logger: Logger) async {
        if let webhook = configuration.alertWebhook {
            await post(alert, to: webhook, logger: logger)
        }
        if let command = configuration.alertCommand {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let input = Pipe()
            process.standardInput = input
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["POLARPIPE_RUN_ID": alert.run_id, "POLARPIPE_FAILED_TASK": alert.failed_task ?? ""]) { $1 }
            do {
                try process.run()
                input.fileHandleForWriting.write(alert.json)
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    logger.error("alert command failed", metadata: ["status": "\(process.terminationStatus)"])
                }
            } catch {
                logger.error("alert command could not start", metadata: ["error": "\(error)"])
            }
        }
    }
}

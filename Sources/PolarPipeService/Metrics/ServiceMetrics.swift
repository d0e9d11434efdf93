import Foundation
import Hummingbird
import Metrics
import PolarPipeCore
import Prometheus

/// The service's metrics, through swift-metrics on a Prometheus registry of its own (so two services in one
/// process, as in the tests, do not share counters). `/metrics` answers `render(store:)`.
///
/// Counted as they happen: `polarpipe_uploads_total{result}` (`created`, `existing`), `polarpipe_upload_bytes_total`,
/// `polarpipe_upload_rejects_total{reason}`, `polarpipe_http_request_duration_seconds{route,method,status}`,
/// `polarpipe_accesslink_exercises_total`. Read from the database at each scrape: `polarpipe_runs{state}`,
/// `polarpipe_files{status}`, `polarpipe_samples_loaded{kind}`, `polarpipe_task_duration_seconds{task_id}` (the
/// latest run's tasks).
public struct ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        // Present from the start, at 0.
        for result in ["created", "existing"] { _ = uploads(result) }
        _ = uploadBytes
    }

    func uploads(_ result: String) -> Metrics.Counter {
        Metrics.Counter(label: "polarpipe_uploads_total", dimensions: [("result", result)], factory: factory)
    }

    var uploadBytes: Metrics.Counter { Metrics.Counter(label: "polarpipe_upload_bytes_total", dimensions: [], factory: factory) }

    func uploadRejected(_ reason: String) {
        Metrics.Counter(label: "polarpipe_upload_rejects_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func accessLinkExercises(_ count: Int) {
        Metrics.Counter(label: "polarpipe_accesslink_exercises_total", dimensions: [], factory: factory).increment(by: count)
    }

    func requestDuration(route: String, method: String, status: Int, nanoseconds: UInt64) {
        Metrics.Timer(label: "polarpipe_http_request_duration_seconds",
              dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .recordNanoseconds(Int64(nanoseconds))
    }

    func gauge(_ name: String, _ label: String, _ value: String) -> Metrics.Gauge {
        Metrics.Gauge(label: name, dimensions: [(label, value)], factory: factory)
    }

    /// Refreshes the database gauges and renders the Prometheus text format.
    public func render(store: any PipelineStore) async throws -> String {
        let runs = try await store.runCounts()
        for state in [RunState.running, .success, .failed] {
            gauge("polarpipe_runs", "state", state.rawValue).record(runs[state] ?? 0)
        }
        let files = try await store.fileCounts()
        for status in FileStatus.allCases {
            gauge("polarpipe_files", "status", status.rawValue).record(files[status] ?? 0)
        }
        let global = try await store.computeGlobalStatistics()
        gauge("polarpipe_samples_loaded", "kind", "heart_rate").record(global.totalHRSamples)
        gauge("polarpipe_samples_loaded", "kind", "gps").record(global.totalGPSPoints)
        if let latest = try await store.runs(limit: 1).first {
            for (task, summary) in TaskSummary.of(try await store.taskInstances(runID: latest.runID)) {
                guard let seconds = summary.seconds else { continue }
                gauge("polarpipe_task_duration_seconds", "task_id", task).record(seconds)
            }
        }
        return registry.emitToString()
    }
}

/// Records the latency of every request in `polarpipe_http_request_duration_seconds`, by route template.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            metrics.requestDuration(route: context.endpointPath ?? "unknown", method: method, status: response.status.code,
                                    nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.requestDuration(route: context.endpointPath ?? "unknown", method: method, status: status,
                                    nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
            throw error
        }
    }
}

import Foundation
import Logging

extension ReportWriter {
    /// Rewrites `reports/index.html` after a run was closed, so the dashboard written by `generate_reports` (which
    /// runs while its own run is still open) shows that run as finished. Does nothing when no index was written yet
    /// (no run produced pages); a failure is logged, never thrown: the run is already recorded.
    public static func refreshIndex(store: any PipelineStore, reports: URL, logger: Logger) async {
        let index = reports.appendingPathComponent("index.html")
        guard FileManager.default.fileExists(atPath: index.path) else { return }
        do {
            let data = try await ReportData.load(from: store, now: Clock.nowMillis())
            try FileMoves.writeAtomically(Array(indexPage(data).utf8), to: index, durable: false)
        } catch {
            logger.warning("the dashboard could not be refreshed after the run", metadata: ["error": "\(error)"])
        }
    }
}

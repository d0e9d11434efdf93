import Foundation
import PolarPipeCore

/// The database's part of a cache key: what the run history says about the data, read with two small queries per
/// request. Every run that ends — run by this service, by `polarpipe run` in another process or by Airflow —
/// changes it (the latest run's id, state and end time, and the number of runs in each state), so a response
/// cached before a run ended is never found after it. While a run is in progress there is no marker: its tasks
/// are writing, and pages are rendered from the database at each request, as without a cache.
enum StoreDataMarker {
    static func current(_ store: any RunStore) async throws -> String? {
        let counts = try await store.runCounts()
        guard counts[.running, default: 0] == 0 else { return nil }
        let states = counts.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ",")
        guard let latest = try await store.runs(limit: 1).first else { return "no-runs" }
        return "\(states);\(latest.runID);\(latest.state.rawValue);\(latest.endedAt ?? -1)"
    }
}

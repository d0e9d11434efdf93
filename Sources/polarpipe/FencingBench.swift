import Foundation
import PolarPipeCore

/// `polarpipe bench --fenced-writes N`: the cost of the lease's fencing check on one write. Writes N task-instance
/// records through the store as it is and N through the same store fenced by the run's lease (every write first
/// reads the lease's token in its own transaction), in alternating blocks, and prints the median time per write of
/// each.
enum FencingBench {
    static func run(store: any PipelineStore, writes: Int) async throws {
        let runID = "bench-fencing"
        if let holder = try await store.acquireLease(runID: runID, owner: PipelineRunner.currentOwner(), now: Clock.nowMillis(),
                                                     ttlMillis: 3_600_000, isStale: PipelineRunner.isStale) {
            throw CLIError("another run holds the lease (\(holder.runID)); use a new database")
        }
        guard let token = try await store.leaseToken(runID: runID) else { throw CLIError("the lease was not granted") }
        do {
            try await measure(store: store, runID: runID, token: token, writes: writes)
            try await store.releaseLease(runID: runID, token: token)
        } catch {
            try? await store.releaseLease(runID: runID, token: token)
            throw error
        }
    }

    static func measure(store: any PipelineStore, runID: String, token: Int64, writes: Int) async throws {
        try await store.createRun(runID, startedAt: Clock.nowMillis(), trigger: "bench")
        let fenced = store.fenced(by: LeaseFence(runID: runID, token: token))
        let blocks = 10, perBlock = max(1, writes / blocks)
        var plain: [Double] = [], checked: [Double] = []
        var n = 0
        func block(_ target: any PipelineStore) async throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0 ..< perBlock {
                n += 1
                try await target.recordTask(TaskInstanceRecord(runID: runID, taskID: "load_heart_rate_samples", mapIndex: n % 64,
                                                               tryNumber: 1, state: .success, startedAt: Clock.nowMillis(),
                                                               endedAt: Clock.nowMillis(), output: "{\"samples\":\(n)}"))
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(perBlock)
        }
        _ = try await block(store)  // warm up
        for _ in 0 ..< blocks {
            plain.append(try await block(store))
            checked.append(try await block(fenced))
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let (p, f) = (median(plain), median(checked))
        print(String(format: "%d writes each, %d blocks alternating: plain %.1f µs per write, fenced %.1f µs (%+.1f µs, %+.1f %%)",
                     perBlock * blocks, blocks, p, f, f - p, (f - p) / p * 100))
    }
}

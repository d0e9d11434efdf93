import Foundation
import PolarPipeCore

/// A DAG run started on request (`POST /api/v1/runs`, an upload with `?run=now`), in the background, under the
/// one-active-run lease every run takes. `start` answers once the run holds the lease — its first task has begun —
/// or throws `PipelineError.anotherRunActive` when another live run holds it. A run still going when the service
/// stops stays `running` in the database, and the next run finishes it (as for the scheduled run).
enum RunStarter {
    /// Starts a run; returns its id once it holds the lease.
    static func start(_ env: ServiceEnvironment, trigger: String) async throws -> String {
        let runID = PipelineRunner.newRunID()
        let signal = StartSignal()
        let runner = PipelineRunner(workspace: env.workspace, store: env.store, configuration: env.configuration, logger: env.logger,
                                    onEvent: { _ in signal.resolve(nil) })
        Task.detached {
            do {
                let result = try await runner.run(runID: runID, trigger: trigger)
                env.logger.notice("requested run ended", metadata: ["pipeline.run_id": "\(runID)",
                                                                    "pipeline.state": "\(result.outcome.state.rawValue)"])
                signal.resolve(nil)
            } catch {
                env.logger.warning("requested run did not run", metadata: ["pipeline.run_id": "\(runID)", "error": "\(error)"])
                signal.resolve(error)
            }
        }
        try await signal.wait()
        return runID
    }

    /// When a file put into the inbox now is processed: "now" when a run was just started for it, else the next
    /// scheduled run (UTC), or nil when the schedule has no next time.
    static func nextScheduledRun(_ env: ServiceEnvironment, after now: Date = Date()) -> String? {
        guard let schedule = try? CronSchedule(env.configuration.scheduleCron), let next = schedule.next(after: now) else { return nil }
        return PolarTime.formatUTC(millis: Int64((next.timeIntervalSince1970 * 1000).rounded()))
    }
}

/// Resolved once: by the run's first event (it holds the lease), or by the error that kept it from starting. Called
/// from the runner's event callback (synchronous, once per event), so resolving is a lock and a flag, not a task.
final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: (any Error)??
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    func resolve(_ error: (any Error)?) {
        lock.lock()
        guard outcome == nil else { lock.unlock(); return }
        outcome = .some(error)
        let waiting = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in waiting {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            switch outcome {
            case .some(.some(let error)):
                lock.unlock()
                continuation.resume(throwing: error)
            case .some(.none):
                lock.unlock()
                continuation.resume()
            case .none:
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

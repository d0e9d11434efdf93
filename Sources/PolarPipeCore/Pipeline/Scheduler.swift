import Foundation

/// Runs a job on a cron schedule (`schedule.cron`, default daily at 02:00 UTC) with `catchup = false`: times missed
/// while the job ran or the process was down are not replayed; the next run is the next future match. A tick that
/// comes while the previous job still runs is skipped, so two runs never overlap. Stops when its task is cancelled.
public struct Scheduler: Sendable {
    public let schedule: CronSchedule
    public let now: @Sendable () -> Date
    public let sleep: @Sendable (TimeInterval) async throws -> Void

    public init(schedule: CronSchedule, now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(nanoseconds: Clock.nanoseconds(seconds: $0)) }) {
        self.schedule = schedule
        self.now = now
        self.sleep = sleep
    }

    /// Calls `job` at each scheduled time until cancelled; `job` gets the scheduled time.
    public func run(_ job: @Sendable (Date) async -> Void) async {
        while !Task.isCancelled {
            guard let next = schedule.next(after: now()) else { return }
            do {
                try await sleep(next.timeIntervalSince(now()))
            } catch {
                return  // cancelled: graceful stop
            }
            if Task.isCancelled { return }
            await job(next)
        }
    }
}

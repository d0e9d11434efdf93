import Foundation
import Logging
import PolarPipeCore
import ServiceLifecycle

/// A job on a cron schedule as a service of the `ServiceGroup`: `Scheduler` (catchup = false, a tick that comes
/// while the job runs is skipped). On graceful shutdown the wait — or the job in progress — is cancelled: a DAG
/// run stopped that way stays `running` in the database with its claimed files, and the next run finishes it.
public struct ScheduledJob: Service {
    public let name: String
    public let scheduler: Scheduler
    public let job: @Sendable (Date) async -> Void

    public init(name: String, scheduler: Scheduler, job: @escaping @Sendable (Date) async -> Void) {
        self.name = name
        self.scheduler = scheduler
        self.job = job
    }

    public func run() async throws {
        let scheduler = self.scheduler, job = self.job
        await cancelWhenGracefulShutdown {
            await scheduler.run(job)
        }
    }

    /// The daily DAG run (`schedule.cron`): one `PipelineRunner` run; "another run active" is logged and skipped.
    /// A run that ended bumps the response cache's generation (in Redis for every service sharing it).
    public static func pipeline(_ env: ServiceEnvironment, scheduler: Scheduler) -> ScheduledJob {
        ScheduledJob(name: "pipeline", scheduler: scheduler) { at in
            let runner = PipelineRunner(workspace: env.workspace, store: env.store, configuration: env.configuration, logger: env.logger)
            do {
                let result = try await runner.run(trigger: "schedule")
                await env.cache.bumpGeneration()
                env.logger.notice("scheduled run ended", metadata: ["pipeline.run_id": "\(result.runID)",
                                                                    "pipeline.state": "\(result.outcome.state.rawValue)"])
            } catch let error as PipelineError {
                env.logger.warning("scheduled run skipped", metadata: ["error": "\(error)"])
            } catch is CancellationError {
                env.logger.notice("scheduled run interrupted by shutdown; the next run finishes it")
            } catch {
                env.logger.error("scheduled run failed to start", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The AccessLink pull (`accesslink.sync_cron`).
    public static func accessLink(_ env: ServiceEnvironment, scheduler: Scheduler) -> ScheduledJob {
        ScheduledJob(name: "accesslink", scheduler: scheduler) { _ in
            let report = await AccessLinkSync(environment: env).syncAll()
            env.logger.notice("accesslink sync ended", metadata: ["accesslink.written": "\(report.written)",
                                                                  "accesslink.errors": "\(report.errors.count)"])
        }
    }
}

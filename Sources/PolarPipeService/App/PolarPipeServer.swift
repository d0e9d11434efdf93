import Foundation
import Hummingbird
import Logging
import PolarPipeCore
import ServiceLifecycle

/// `polarpipe serve`: the HTTP application, the daily DAG run, the AccessLink sync and the database as services of
/// one `ServiceGroup`. SIGTERM or SIGINT shuts it down gracefully: the server stops accepting connections and
/// finishes the requests in flight (uploads included); a DAG run in progress is cancelled at its next file or
/// chunk and stays `running` in the database, so the next run finishes it.
public enum PolarPipeServer {
    /// The services, in start order.
    public static func services(_ env: ServiceEnvironment, host: String, port: Int,
                                onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> [any Service] {
        AbandonedUploads.sweep(inbox: env.workspace.inbox, logger: env.logger)
        var services: [any Service] = [DatabaseService(store: env.store, logger: env.logger)]
        services.append(ServiceApplication.application(env, host: host, port: port, onRunning: onRunning))
        services.append(ScheduledJob.pipeline(env, scheduler: Scheduler(schedule: try CronSchedule(env.configuration.scheduleCron))))
        if !env.configuration.accessLinkSyncCron.isEmpty {
            services.append(ScheduledJob.accessLink(env, scheduler: Scheduler(schedule: try CronSchedule(env.configuration.accessLinkSyncCron))))
        }
        return services
    }

    /// Runs until SIGTERM / SIGINT (or until the calling task is cancelled). A port in use throws
    /// `ServerStartError.portInUse`.
    public static func run(_ env: ServiceEnvironment, host: String, port: Int,
                           onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: try services(env, host: host, port: port, onRunning: onRunning),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: env.logger))
        do {
            try await group.run()
        } catch {
            throw ServerStartError.from(error, host: host, port: port) ?? error
        }
    }
}

/// The database as a service: checked when the group starts (a service that cannot reach its database should not
/// come up), held until shutdown. The embedded store needs no connection pool to run.
struct DatabaseService: Service {
    let store: any AccountStore
    let logger: Logger

    func run() async throws {
        try await store.ping()
        logger.info("database reachable")
        try? await gracefulShutdown()
    }
}

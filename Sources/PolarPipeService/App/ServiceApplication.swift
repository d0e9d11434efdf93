import Foundation
import Hummingbird
import Logging
import NIOCore
import PolarPipeCore

/// Builds the HTTP side of `polarpipe serve`: the router with every route, and the Hummingbird application.
public enum ServiceApplication {
    /// Every route: upload, read API, uploads, dashboards, `/openapi.json`, `/metrics`, `/healthz`.
    public static func router(_ env: ServiceEnvironment) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: env.metrics))
        let auth = Authentication(store: env.store)
        let uploads = UploadHandler(environment: env)

        router.post("api/v1/exercises") { request, _ in
            let identity = try await auth.identity(of: request)
            return try await uploads.upload(request, userKey: identity.userKey)
        }
        router.post("api/v1/users/{key}/exercises") { request, context in
            let key = try context.parameters.require("key")
            _ = try await auth.identity(of: request, accessing: key)
            guard try await env.store.user(key: key) != nil else { throw APIError.notFound("no user \(key)") }
            return try await uploads.upload(request, userKey: key)
        }
        ReadRoutes(environment: env, auth: auth).add(to: router)
        DashboardRoutes(environment: env, auth: auth).add(to: router)

        router.get("openapi.json") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
                throw APIError.notFound("no OpenAPI document in this build")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("healthz") { _, _ in
            do {
                try await env.store.ping()
                return try JSONResponse.make(["status": "ok", "database": "reachable"])
            } catch {
                env.logger.error("health check failed: the database is not reachable")
                return try JSONResponse.make(["status": "failing", "database": "unreachable"], status: .serviceUnavailable)
            }
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: try await env.metrics.render(store: env.store))))
        }
        return router
    }

    /// The Hummingbird application on `host:port` (port 0 picks a free port; `onRunning` gets the bound port).
    public static func application(_ env: ServiceEnvironment, host: String, port: Int,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(env), configuration: .init(address: .hostname(host, port: port), serverName: "polarpipe"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                    logger: env.logger)
    }
}

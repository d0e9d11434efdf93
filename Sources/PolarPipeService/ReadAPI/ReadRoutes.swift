import Foundation
import Hummingbird
import PolarPipeCore

/// The JSON read API under `/api/v1`. Keys are the database's column names, as in `polarpipe runs --json` and
/// `polarpipe stats --json` (the same encoders). A user token reads only its own user; runs and global views
/// need an admin token. Statistics and exercise lists are cached per caller scope until the data changes.
struct ReadRoutes: Sendable {
    let environment: ServiceEnvironment
    let auth: Authentication
    var caching: ResponseCaching { ResponseCaching(environment: environment) }

    func add(to router: Router<BasicRequestContext>) {
        let api = router.group("api/v1")
        api.get("me") { request, _ in
            struct Me: Encodable { var user_key: String, admin: Bool }
            let identity = try await auth.identity(of: request)
            return try JSONResponse.make(Me(user_key: identity.userKey, admin: identity.isAdmin))
        }
        api.get("runs") { request, _ in
            _ = try await auth.admin(request)
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 20, 1), 1000)
            let runs = try await environment.store.runs(limit: limit)
            return try JSONResponse.make(runs.map { RunHistoryJSON.Run($0, tasks: nil) })
        }
        api.post("runs") { request, _ in
            _ = try await auth.admin(request)
            struct Started: Encodable { var run_id: String, state: String }
            do {
                let runID = try await RunStarter.start(environment, trigger: "api")
                var response = try JSONResponse.make(Started(run_id: runID, state: "running"), status: .accepted)
                response.headers[.location] = "/api/v1/runs/\(runID)"
                return response
            } catch PipelineError.anotherRunActive(let active, _) {
                throw APIError(.conflict, "run-active", "run \(active) is active; try again when it has finished")
            }
        }
        api.get("runs/{id}") { request, context in
            _ = try await auth.admin(request)
            let id = try context.parameters.require("id")
            guard let run = try await environment.store.run(id) else { throw APIError.notFound("no run \(id)") }
            let report = try await ImportReport.load(runID: id, store: environment.store)
            return try JSONResponse.make(RunHistoryJSON.Run(run, tasks: try await environment.store.taskInstances(runID: id),
                                                            importReport: report))
        }
        api.get("global/statistics") { request, _ in
            let identity = try await auth.admin(request)
            return try await caching.respond(identity, path: "api/v1/global/statistics") {
                try .json(try await GlobalJSON.load(store: environment.store))
            }
        }
        api.get("users/{key}/statistics") { request, context in
            let key = try context.parameters.require("key")
            let identity = try await auth.identity(of: request, accessing: key)
            return try await caching.respond(identity, path: "api/v1/users/\(key)/statistics") {
                let user = try await self.user(key)
                guard let view = try await UserJSON.load(userID: user.id, store: environment.store) else {
                    throw APIError(.notFound, "no-statistics", "no statistics for \(user.userKey) yet: no run has loaded an exercise")
                }
                return try .json(view)
            }
        }
        api.get("users/{key}/exercises") { request, context in
            let key = try context.parameters.require("key")
            let identity = try await auth.identity(of: request, accessing: key)
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 10_000)
            return try await caching.respond(identity, path: "api/v1/users/\(key)/exercises?limit=\(limit)") {
                let exercises = try await environment.store.recentExercises(userID: try await self.user(key).id, limit: limit)
                return try .json(exercises.map(ExerciseJSON.init))
            }
        }
        api.get("uploads/{id}") { request, context in
            let identity = try await auth.identity(of: request)
            guard let id = Int64(try context.parameters.require("id")), let upload = try await environment.store.upload(id: id),
                  identity.mayAccess(upload.userKey)
            else { throw APIError.notFound("no such upload") }
            return try JSONResponse.make(try await UploadHandler(environment: environment).json(upload, id: id, status: "waiting"))
        }
    }

    /// The user named in the path (after the token was checked: 401 and 403 come first), or 404.
    func user(_ key: String) async throws -> UserRecord {
        guard let user = try await environment.store.user(key: key) else { throw APIError.notFound("no user \(key)") }
        return user
    }
}

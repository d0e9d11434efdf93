import Foundation
import Hummingbird
import PolarPipeCore

/// The report pages (`ReportWriter`), rendered from the database at each request, behind the same tokens as the
/// API (also accepted as the password of HTTP Basic, so a browser asks for it). An admin sees `/` (all users);
/// a user token is sent from `/` to its own page and may open only its own user and exercise pages. Pages are
/// cached per caller scope until the data changes (`ResponseCaching`).
struct DashboardRoutes: Sendable {
    let environment: ServiceEnvironment
    let auth: Authentication
    var caching: ResponseCaching { ResponseCaching(environment: environment) }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try await index(request) }
        router.get("index.html") { request, _ in try await index(request) }
        router.get("users/{page}") { request, context in
            let identity = try await browserIdentity(request)
            let page = try context.parameters.require("page")
            guard page.hasSuffix(".html") else { throw APIError.notFound("no such page") }
            let name = String(page.dropLast(5))
            // A user token learns nothing about other users, not even whether they exist.
            guard identity.isAdmin || name == ReportWriter.pageName(identity.userKey) else {
                throw APIError.forbidden("this token may not see that page")
            }
            return try await caching.respond(identity, path: "users/\(page)", render: {
                guard let user = try await environment.store.users().first(where: { ReportWriter.pageName($0.userKey) == name }) else {
                    throw APIError.notFound("no such page")
                }
                guard identity.mayAccess(user.userKey) else { throw APIError.forbidden("this token may not see user \(user.userKey)") }
                let stats = try await environment.store.userStatistics(userID: user.id)
                return .html(try await ReportWriter.userPage(user, stats: stats, store: environment.store, generatedAt: Clock.nowMillis(),
                                                             mapTiles: environment.configuration.mapTiles))
            }, finish: { page in
                // An athlete's own page gets its "Polar account" section, which depends on the account: added at each
                // request, after the cache.
                guard !identity.isAdmin, let section = try await AccessLinkRoutes.section(userKey: identity.userKey, environment) else {
                    return page
                }
                return page.inserting(section, after: "<main>")
            })
        }
        router.get("exercises/{page}") { request, context in
            let identity = try await browserIdentity(request)
            let page = try context.parameters.require("page")
            guard page.hasSuffix(".html"), let id = Int64(page.dropLast(5)) else { throw APIError.notFound("no such page") }
            // Cached per scope: a response is kept only when this scope passed the owner check below, and with the
            // same data it passes it again.
            return try await caching.respond(identity, path: "exercises/\(id).html") {
                guard let exercise = try await environment.store.exercise(id: id),
                      let owner = try await environment.store.users().first(where: { $0.id == exercise.userID })
                else { throw APIError.notFound("no such page") }
                guard identity.mayAccess(owner.userKey) else { throw APIError.forbidden("this token may not see user \(owner.userKey)") }
                return .html(try await ReportWriter.exercisePage(exercise, userKey: owner.userKey, store: environment.store,
                                                                 generatedAt: Clock.nowMillis(), mapTiles: environment.configuration.mapTiles))
            }
        }
        AccessLinkRoutes(environment: environment, auth: auth, browserIdentity: { try await browserIdentity($0) }).add(to: router)
    }

    func index(_ request: Request) async throws -> Response {
        let identity = try await browserIdentity(request)
        guard identity.isAdmin else {
            return Response(status: .seeOther, headers: [.location: "/users/\(ReportWriter.pageName(identity.userKey)).html"])
        }
        return try await caching.respond(identity, path: "index.html") {
            .html(ReportWriter.indexPage(try await ReportData.load(from: environment.store, now: Clock.nowMillis())))
        }
    }

    /// As `Authentication.identity`, but a 401 asks the browser for Basic credentials.
    func browserIdentity(_ request: Request) async throws -> Tokens.Identity {
        do {
            return try await auth.identity(of: request)
        } catch let error as APIError where error.status == .unauthorized {
            throw APIError(.unauthorized, "unauthorized", "sign in with any user name and an API token as the password",
                           headers: [.wwwAuthenticate: "Basic realm=\"polarpipe\", charset=\"UTF-8\""])
        }
    }
}

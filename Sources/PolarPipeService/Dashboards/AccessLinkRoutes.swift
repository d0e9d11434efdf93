import Foundation
import Hummingbird
import PolarPipeCore

/// "Connect Polar account" (`AccessLinkConnection`):
/// * `GET /accesslink/connect` (a signed-in user, browser or bearer): 303 to Polar's authorization page.
/// * `POST /api/v1/accesslink/authorization` (a user token): the same URL as JSON, for a client that opens it itself.
/// * `GET /accesslink/callback` (Polar sends the athlete back here, with `state` and `code` or `error`): a page that
///   says the account is connected, or in one sentence what failed. The athlete is signed in as on every page (a
///   browser sends its Basic credentials again when asked); only the user who started the flow may finish it.
struct AccessLinkRoutes: Sendable {
    let environment: ServiceEnvironment
    let auth: Authentication
    let browserIdentity: @Sendable (Request) async throws -> Tokens.Identity
    var connection: AccessLinkConnection { AccessLinkConnection(environment: environment) }

    func add(to router: Router<BasicRequestContext>) {
        router.get("accesslink/connect") { request, _ in
            let identity = try await browserIdentity(request)
            do {
                let url = try await connection.start(userKey: identity.userKey)
                return Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
            } catch let error as AccessLinkConnectError {
                return Self.page(status: .serviceUnavailable, heading: "Polar account not connected", sentence: error.description,
                                 userKey: identity.userKey)
            }
        }
        router.post("api/v1/accesslink/authorization") { request, _ in
            let identity = try await auth.identity(of: request)
            do {
                let url = try await connection.start(userKey: identity.userKey)
                return try JSONResponse.make(AuthorizationBody(authorization_url: url,
                                                               expires_in_seconds: Int(AccessLinkConnection.stateLifetimeMillis / 1000)),
                                             status: .created)
            } catch let error as AccessLinkConnectError {
                throw APIError(.serviceUnavailable, "accesslink-not-configured", error.description)
            }
        }
        router.get("accesslink/callback") { request, _ in
            let identity = try await browserIdentity(request)
            let query = request.uri.queryParameters
            do {
                let connected = try await connection.finish(signedIn: identity.userKey, state: query.get("state"), code: query.get("code"),
                                                            error: query.get("error"))
                return Self.page(status: .ok, heading: "Polar account connected", sentence: Self.success(connected, environment.configuration),
                                 userKey: connected.userKey)
            } catch let error as AccessLinkConnectError {
                environment.logger.warning("connecting a polar account failed", metadata: ["reason": "\(error)"])
                return Self.page(status: Self.status(of: error), heading: "Polar account not connected", sentence: error.description,
                                 userKey: identity.userKey)
            }
        }
    }

    struct AuthorizationBody: Encodable {
        var authorization_url: String
        var expires_in_seconds: Int
    }

    static func success(_ c: AccessLinkConnection.Connected, _ configuration: PipelineConfiguration) -> String {
        let when = configuration.accessLinkSyncCron.isEmpty ? "when the admin runs `polarpipe sync accesslink`"
            : "at the next sync (cron `\(configuration.accessLinkSyncCron)`, UTC)"
        return "Your Polar account (Polar user \(c.polarUserID)) is now connected to \(c.userKey). New training sessions "
            + "from the last 30 days are fetched \(when) and appear on your page after the next run."
    }

    static func status(of error: AccessLinkConnectError) -> HTTPResponse.Status {
        switch error {
        case .notConfigured, .noTokenKey: return .serviceUnavailable
        case .denied, .badState, .noCode, .otherUser: return .badRequest
        case .tokenEndpointDown, .codeRefused, .badTokenResponse, .registration: return .badGateway
        }
    }

    /// A short page with one sentence and a link back to the user's page.
    static func page(status: HTTPResponse.Status, heading: String, sentence: String, userKey: String) -> Response {
        let back = "<p><a href=\"/users/\(HTML.hrefComponent(ReportWriter.pageName(userKey))).html\">← your page</a></p>"
        let html = HTML.page(title: "polarpipe — \(heading)", subtitle: "Polar AccessLink",
                             body: "<section><h2>\(HTML.escape(heading))</h2><p id=\"outcome\">\(HTML.escape(sentence))</p></section>" + back)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// The section a user's own page gets when connecting is offered (it does not depend on the account, so the
    /// cached page stays right after connecting).
    static let connectSection = "<section id=\"polar-account\"><h2>Polar account</h2><p>Connect your Polar account and new "
        + "training sessions arrive by themselves through Polar AccessLink. Connecting again renews the access.</p>"
        + "<p><a href=\"/accesslink/connect\">Connect Polar account</a></p></section>"
}

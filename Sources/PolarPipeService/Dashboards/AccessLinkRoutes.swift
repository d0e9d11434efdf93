import Foundation
import Hummingbird
import PolarPipeCore

/// "Connect Polar account" (`AccessLinkConnection`):
/// * `GET /accesslink/connect` (a signed-in user, browser or bearer): 303 to Polar's authorization page.
/// * `POST /api/v1/accesslink/authorization` (a user token): the same URL as JSON, for a client that opens it itself.
/// * `GET /accesslink/callback` (Polar sends the athlete back here, with `state` and `code` or `error`): a page that
///   says the account is connected, or in one sentence what failed. The athlete is signed in as on every page (a
///   browser sends its Basic credentials again when asked); only the user who started the flow may finish it.
///
/// "Disconnect" (`AccessLinkConnection.disconnect`):
/// * `POST /accesslink/disconnect` (the button of the user's page; refused unless it comes from a page of this
///   service, `SameOrigin`): a page saying what happened at polarpipe and at Polar; 404 when nothing is connected.
/// * `DELETE /api/v1/accesslink` (a user token): the same as JSON.
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
        addDisconnect(to: router)
    }

    func addDisconnect(to router: Router<BasicRequestContext>) {
        router.post("accesslink/disconnect") { request, _ in
            let identity = try await browserIdentity(request)
            guard SameOrigin.allows(request, publicURL: environment.configuration.accessLinkRedirectURL) else {
                environment.logger.warning("a cross-site disconnect was refused", metadata: ["user": "\(identity.userKey)"])
                return Self.page(status: .forbidden, heading: "Polar account not disconnected", sentence: Self.crossSite,
                                 userKey: identity.userKey)
            }
            guard let outcome = try await connection.disconnect(userKey: identity.userKey) else {
                return Self.page(status: .notFound, heading: "No Polar account connected", sentence: Self.notConnected(identity.userKey),
                                 userKey: identity.userKey)
            }
            return Self.page(status: .ok, heading: "Polar account disconnected", sentence: outcome.sentence, userKey: identity.userKey)
        }
        router.delete("api/v1/accesslink") { request, _ in
            let identity = try await auth.identity(of: request)
            guard let outcome = try await connection.disconnect(userKey: identity.userKey) else {
                throw APIError(.notFound, "not-connected", Self.notConnected(identity.userKey))
            }
            return try JSONResponse.make(DisconnectBody(user_key: outcome.userKey, polar_user_id: outcome.polarUserID, disconnected: true,
                                                        polar: outcome.polar.code, message: outcome.sentence))
        }
    }

    struct DisconnectBody: Encodable {
        var user_key: String
        var polar_user_id: Int64
        /// Always true: the account is removed here whatever Polar answered.
        var disconnected: Bool
        /// `deregistered`, `already-gone` or `not-reached`.
        var polar: String
        var message: String
    }

    static func notConnected(_ userKey: String) -> String {
        "No Polar account is connected to \(userKey), so there is nothing to disconnect."
    }

    static let crossSite = "This request did not come from a page of this server (its Origin or Referer names another site, "
        + "or none), so nothing was changed. To disconnect, use the Disconnect button on your own page."

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

    /// The "Polar account" section of a user's own page, added at each request (never cached with the page):
    /// "Connected (Polar user N)" with a Disconnect button when the user has an account, else the connect link when
    /// the server has an AccessLink client; nil when neither.
    static func section(userKey: String, _ environment: ServiceEnvironment) async throws -> String? {
        let offered = AccessLinkConnection(environment: environment).isOffered
        guard let account = try await environment.store.accessLinkAccount(userKey: userKey) else {
            return offered ? connectSection : nil
        }
        return connectedSection(polarUserID: account.polarUserID, offered: offered)
    }

    /// The section when nothing is connected and connecting is offered.
    static let connectSection = "<section id=\"polar-account\"><h2>Polar account</h2><p>Connect your Polar account and new "
        + "training sessions arrive by themselves through Polar AccessLink. Connecting again renews the access.</p>"
        + "<p><a href=\"/accesslink/connect\">Connect Polar account</a></p></section>"

    /// The section of a connected user: its state and a Disconnect button (a form `POST`, checked by `SameOrigin`).
    static func connectedSection(polarUserID: Int64, offered: Bool) -> String {
        "<section id=\"polar-account\"><h2>Polar account</h2><p id=\"polar-account-state\">Connected (Polar user \(polarUserID)): "
            + "new training sessions arrive by themselves through Polar AccessLink.</p>"
            + "<form method=\"post\" action=\"/accesslink/disconnect\"><p><button type=\"submit\">Disconnect</button> "
            + "polarpipe then stops fetching your sessions and deletes its access token; sessions already loaded stay.</p></form>"
            + (offered ? "<p><a href=\"/accesslink/connect\">Connect again</a> to renew the access.</p>" : "") + "</section>"
    }
}

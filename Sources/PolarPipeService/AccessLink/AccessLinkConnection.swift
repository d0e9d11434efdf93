import Crypto
import Foundation
import PolarPipeCore

/// "Connect Polar account": starts and finishes the OAuth2 authorization-code flow for a signed-in user.
///
/// `start` makes a `state` of 32 random bytes, bound to the user and valid for `stateLifetimeMillis` (only its
/// SHA-256 is stored, `AccountStore.saveAccessLinkState`), and answers the authorization URL. `finish` takes the state
/// (single use) and checks that the user signed in at the callback started it, exchanges the code, registers the user at AccessLink (`POST /v3/users`; 409, already registered, is
/// fine) and stores the account with its token encrypted (`AccessLinkAccounts`). Nothing is stored when a step fails.
public struct AccessLinkConnection: Sendable {
    public let environment: ServiceEnvironment
    /// How long a started connection may take at Polar (10 minutes).
    public static let stateLifetimeMillis: Int64 = 10 * 60_000

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    /// Everything needed before an athlete is sent to Polar: the client, and a key for the token.
    func prerequisites() throws -> (AccessLinkOAuth, AccessLinkAccounts) {
        let oauth = try AccessLinkOAuth(configuration: environment.configuration)
        let accounts: AccessLinkAccounts
        do {
            accounts = try AccessLinkAccounts(store: environment.store, configuration: environment.configuration)
        } catch {
            throw AccessLinkConnectError.noTokenKey
        }
        guard accounts.cipher != nil else { throw AccessLinkConnectError.noTokenKey }
        return (oauth, accounts)
    }

    /// Whether "Connect Polar account" is offered: a client id is configured.
    public var isOffered: Bool { !environment.configuration.accessLinkClientID.isEmpty }

    /// A new state for `userKey`, stored, and the URL to send the athlete to.
    public func start(userKey: String, now: Int64 = Clock.nowMillis()) async throws -> String {
        let (oauth, _) = try prerequisites()
        var generator = SystemRandomNumberGenerator()
        let state = Hex.string((0 ..< 32).map { _ in UInt8.random(in: 0 ... 255, using: &generator) })
        try await environment.store.saveAccessLinkState(hash: Self.hash(state), userKey: userKey,
                                                        expiresAt: CheckedConversion.saturatingAdd(now, Self.stateLifetimeMillis))
        return oauth.authorizationURL(state: state)
    }

    /// What a finished connection did.
    public struct Connected: Sendable, Equatable {
        public var userKey: String
        public var polarUserID: Int64
        /// False when AccessLink already knew the user (409).
        public var newlyRegistered: Bool
    }

    /// Finishes the flow from the callback's query (`state`, and `code` or `error`) for the user signed in at the
    /// callback, who must be the one who started it: so a link started by someone else and sent to an athlete
    /// cannot attach the athlete's Polar account to another polarpipe user.
    public func finish(signedIn: String, state: String?, code: String?, error: String?, now: Int64 = Clock.nowMillis()) async throws -> Connected {
        // The state is checked (and used up) first, also when Polar reports an error, so it cannot be replayed.
        guard let state, state.utf8.count == 64,
              let userKey = try await environment.store.takeAccessLinkState(hash: Self.hash(state), now: now)
        else { throw AccessLinkConnectError.badState }
        guard userKey == signedIn else { throw AccessLinkConnectError.otherUser }
        if let error { throw AccessLinkConnectError.denied(reason: Self.reason(error)) }
        guard let code, !code.isEmpty, code.utf8.count <= 4096 else { throw AccessLinkConnectError.noCode }
        let (oauth, accounts) = try prerequisites()
        let grant = try await oauth.exchange(code: code)
        let client = AccessLinkClient(baseURL: environment.configuration.accessLinkBaseURL, accessToken: grant.accessToken)
        let newlyRegistered: Bool
        do {
            newlyRegistered = try await client.register(memberID: userKey)
        } catch {
            throw AccessLinkConnectError.registration("\(error)")
        }
        try await accounts.save(userKey: userKey, polarUserID: grant.polarUserID, accessToken: grant.accessToken, now: now)
        try await environment.store.markAccessLinkRegistered(userKey: userKey, now: now)
        environment.logger.info("polar account connected", metadata: ["user": "\(userKey)", "polar_user": "\(grant.polarUserID)"])
        return Connected(userKey: userKey, polarUserID: grant.polarUserID, newlyRegistered: newlyRegistered)
    }

    /// How the de-registration of a disconnect calls AccessLink: an athlete waits for it, so one retry after a short
    /// back-off and at most 15 s per request (the sync waits longer).
    public var deregistrationRetries = 1
    public var deregistrationBackoffSeconds: Double = 0.5
    public var deregistrationTimeoutSeconds: Double = 15

    /// "Disconnect Polar account" for `userKey` (`AccessLinkDisconnect`): removes the stored account, its token and
    /// the user's pending states, then de-registers the user at AccessLink (`DELETE /v3/users/{polar-user-id}`).
    /// Nil when the user has no account. Works without a client id (an account may have been linked by hand).
    public func disconnect(userKey: String) async throws -> AccessLinkDisconnect.Outcome? {
        // Without a usable key the account is still removed; the token just cannot be used to tell Polar.
        let cipher = try? AccessLinkTokenCipher.configured(environment.configuration)
        var client = AccessLinkClient(baseURL: environment.configuration.accessLinkBaseURL, accessToken: "")
        client.retries = deregistrationRetries
        client.backoffSeconds = deregistrationBackoffSeconds
        client.maxRetryAfterSeconds = deregistrationTimeoutSeconds
        client.timeoutSeconds = deregistrationTimeoutSeconds
        let outcome = try await AccessLinkDisconnect(accounts: AccessLinkAccounts(store: environment.store, cipher: cipher))
            .disconnect(userKey: userKey) { [client] polarUserID, token in
                var withToken = client
                withToken.accessToken = token
                return await withToken.deregister(polarUserID: polarUserID)
            }
        if let outcome {
            environment.logger.info("polar account disconnected",
                                    metadata: ["user": "\(userKey)", "polar_user": "\(outcome.polarUserID)", "polar": "\(outcome.polar.code)"])
        }
        return outcome
    }

    static func hash(_ state: String) -> String { Hex.string(SHA256.hash(data: Data(state.utf8))) }

    /// Polar's `error` value as shown: a short code of letters, digits and `_`, else "an error".
    static func reason(_ error: String) -> String {
        let ok = error.utf8.count <= 64 && error.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
        return ok && !error.isEmpty ? error : "an error"
    }
}

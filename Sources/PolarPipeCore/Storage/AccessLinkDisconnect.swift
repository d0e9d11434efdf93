/// What Polar answered when polarpipe de-registered a user (`DELETE /v3/users/{polar-user-id}` with the user's token).
public enum AccessLinkDeregistration: Sendable, Equatable {
    /// 2xx (204): Polar removed the registration and revoked the token.
    case deregistered
    /// 404 (Polar does not know the user) or 401 (the token is revoked already): gone at Polar before this.
    case alreadyGone(status: Int)
    /// Polar was not told: it could not be reached, timed out or answered something else, or the stored token could
    /// not be opened. `reason` names what happened, never the token.
    case notReached(reason: String)

    /// The meaning of an HTTP status of the de-registration.
    public static func of(status: Int) -> AccessLinkDeregistration {
        switch status {
        case 200 ..< 300: return .deregistered
        case 401, 404: return .alreadyGone(status: status)
        default: return .notReached(reason: "AccessLink answered HTTP \(status)")
        }
    }

    /// `deregistered`, `already-gone` or `not-reached`, as the API answers it.
    public var code: String {
        switch self {
        case .deregistered: return "deregistered"
        case .alreadyGone: return "already-gone"
        case .notReached: return "not-reached"
        }
    }
}

/// "Disconnect Polar account", the rule of both the web page, the API and `polarpipe users unlink-accesslink`:
///
/// 1. The account is removed here first (`AccountStore.removeAccessLinkAccount`: the account with its token and the
///    user's pending OAuth2 states, in one transaction). If that fails nothing changed, here or at Polar, and it can
///    be tried again. Of two disconnects at once only one gets the account, so Polar is told once.
/// 2. Then Polar is told with the token just removed (`deregister`). Whatever it answers, the account stays removed:
///    someone who wants out expects the token gone, and an unreachable Polar must not keep it here. When Polar was not
///    told, the outcome says so, and the athlete can withdraw polarpipe's access in their Polar account.
///
/// Exercises already fetched and loaded stay, as does the record of which AccessLink exercises were fetched (so a
/// later connection does not fetch them again).
public struct AccessLinkDisconnect: Sendable {
    public let accounts: AccessLinkAccounts

    public init(accounts: AccessLinkAccounts) {
        self.accounts = accounts
    }

    /// What a disconnect did.
    public struct Outcome: Sendable, Equatable {
        public var userKey: String
        public var polarUserID: Int64
        public var polar: AccessLinkDeregistration

        /// One sentence for the athlete or the admin.
        public var sentence: String {
            let removed = "The Polar account (Polar user \(polarUserID)) is disconnected from \(userKey): polarpipe no longer "
                + "fetches its training sessions and its access token is deleted here. Sessions already loaded stay."
            switch polar {
            case .deregistered:
                return removed + " Polar removed polarpipe's access too."
            case .alreadyGone(let status):
                return removed + " Polar had already removed polarpipe's access (HTTP \(status))."
            case .notReached(let reason):
                return removed + " Polar could not be told (\(reason)): to withdraw polarpipe's access there as well, "
                    + "do it in your Polar Flow account settings."
            }
        }
    }

    /// Disconnects `userKey`; nil when the user has no AccessLink account. `deregister` tells Polar (Polar user id,
    /// access token in the clear) and answers what happened; it is not called when the token cannot be opened.
    public func disconnect(userKey: String,
                           deregister: @Sendable (Int64, String) async -> AccessLinkDeregistration) async throws -> Outcome? {
        guard let removed = try await accounts.store.removeAccessLinkAccount(userKey: userKey) else { return nil }
        let opened = accounts.open(removed)
        let polar: AccessLinkDeregistration
        if opened.failure != nil {
            // Its sentence is about syncing; here what matters is that Polar could not be told.
            polar = .notReached(reason: "the stored access token could not be opened with this server's POLARPIPE_ACCESSLINK_TOKEN_KEY")
        } else {
            polar = await deregister(removed.polarUserID, opened.account.accessToken)
        }
        return Outcome(userKey: userKey, polarUserID: removed.polarUserID, polar: polar)
    }
}

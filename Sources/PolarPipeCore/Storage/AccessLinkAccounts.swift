/// The AccessLink accounts with their tokens encrypted at rest (`AccessLinkTokenCipher`), over any `AccountStore`,
/// which keeps the stored values as given.
///
/// * `save` encrypts; without a key it refuses (`AccessLinkTokenError.noKey`): a new token is never stored in
///   plaintext.
/// * `accounts` decrypts. A token stored in plaintext by an older polarpipe is encrypted and stored again on this
///   first read when a key is set, and used as it is when none is (so an existing setup keeps syncing).
///   An account whose token cannot be opened (another key, no key) comes back with its `failure`.
public struct AccessLinkAccounts: Sendable {
    public let store: any AccountStore
    public let cipher: AccessLinkTokenCipher?

    public init(store: any AccountStore, cipher: AccessLinkTokenCipher?) {
        self.store = store
        self.cipher = cipher
    }

    /// With the key of the configuration (`accesslink.token_key`).
    public init(store: any AccountStore, configuration: PipelineConfiguration) throws {
        self.init(store: store, cipher: try AccessLinkTokenCipher.configured(configuration))
    }

    /// An account with its token in the clear, or why it could not be opened.
    public struct Opened: Sendable {
        public var account: AccessLinkAccount
        public var failure: AccessLinkTokenError?
    }

    /// Stores the account of a user with its token encrypted.
    public func save(userKey: String, polarUserID: Int64, accessToken: String, now: Int64) async throws {
        guard let cipher else { throw AccessLinkTokenError.noKey }
        try await store.saveAccessLinkAccount(userKey: userKey, polarUserID: polarUserID,
                                              accessToken: try cipher.seal(accessToken, userKey: userKey), now: now)
    }

    /// Every account, its token decrypted (ordered by user key).
    public func accounts(now: Int64) async throws -> [Opened] {
        var opened: [Opened] = []
        for account in try await store.accessLinkAccounts() {
            let one = open(account)
            if one.failure == nil, !AccessLinkTokenCipher.isEncrypted(account.accessToken), let cipher {
                // Written by an older polarpipe: encrypt it now, in place (an account disconnected meanwhile is not
                // brought back; the token in hand is still used once, like any read just before a disconnect).
                do {
                    _ = try await store.replaceAccessLinkToken(userKey: account.userKey, stored: account.accessToken,
                                                               replacement: try cipher.seal(account.accessToken, userKey: account.userKey), now: now)
                } catch let error as AccessLinkTokenError {
                    opened.append(Opened(account: Self.withoutToken(account), failure: error))
                    continue
                }
            }
            opened.append(one)
        }
        return opened
    }

    /// A stored account with its token in the clear: decrypted, or as it is when stored in plaintext by an older
    /// polarpipe; with its `failure` (and no token) when it cannot be opened.
    public func open(_ account: AccessLinkAccount) -> Opened {
        guard AccessLinkTokenCipher.isEncrypted(account.accessToken) else { return Opened(account: account, failure: nil) }
        do {
            guard let cipher else { throw AccessLinkTokenError.encryptedWithoutKey(userKey: account.userKey) }
            var opened = account
            opened.accessToken = try cipher.open(account.accessToken, userKey: account.userKey)
            return Opened(account: opened, failure: nil)
        } catch let error as AccessLinkTokenError {
            return Opened(account: Self.withoutToken(account), failure: error)
        } catch {
            return Opened(account: Self.withoutToken(account), failure: .malformed(userKey: account.userKey))
        }
    }

    static func withoutToken(_ account: AccessLinkAccount) -> AccessLinkAccount {
        var copy = account
        copy.accessToken = ""
        return copy
    }
}

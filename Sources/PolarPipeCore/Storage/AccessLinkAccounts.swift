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
        for var account in try await store.accessLinkAccounts() {
            let stored = account.accessToken
            do {
                if AccessLinkTokenCipher.isEncrypted(stored) {
                    guard let cipher else { throw AccessLinkTokenError.encryptedWithoutKey(userKey: account.userKey) }
                    account.accessToken = try cipher.open(stored, userKey: account.userKey)
                } else if let cipher {
                    // Written by an older polarpipe: encrypt it now. The same Polar user keeps its registration.
                    try await store.saveAccessLinkAccount(userKey: account.userKey, polarUserID: account.polarUserID,
                                                          accessToken: try cipher.seal(stored, userKey: account.userKey), now: now)
                }
                opened.append(Opened(account: account, failure: nil))
            } catch let error as AccessLinkTokenError {
                account.accessToken = ""
                opened.append(Opened(account: account, failure: error))
            }
        }
        return opened
    }
}

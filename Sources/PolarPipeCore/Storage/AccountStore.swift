/// What the HTTP service and the AccessLink sync need from a database besides `PipelineStore`: API tokens,
/// uploads and the AccessLink accounts of users. Kept small and plain (strings, integers, epoch milliseconds) so
/// that every backend can implement it; the SQLite store does (migration `v4-accounts`).
///
/// Users themselves are `PipelineStore`'s (`upsertUser`, `user(key:)`): every method here names a user by its key.
public protocol AccountStore: Sendable {
    // MARK: API tokens

    /// Stores a new API token. Only the salt and `SHA-256(salt ‖ secret)` are stored, never the secret.
    /// Throws when `token.id` already exists.
    func insertToken(_ token: APITokenRecord) async throws

    /// The token with this public id (the part of a bearer token before its secret), or nil.
    func token(id: String) async throws -> APITokenRecord?

    /// Deletes a token; returns whether it existed.
    func deleteToken(id: String) async throws -> Bool

    // MARK: Uploads

    /// Records an upload of `sha256` by `userKey`, unless the same user already uploaded the same bytes: returns
    /// the id of the new row and `created = true`, or the existing row's id and `created = false`. Atomic, so two
    /// identical uploads at once get one id.
    func recordUpload(_ upload: UploadRecord) async throws -> (id: Int64, created: Bool)

    /// One upload by id, or nil.
    func upload(id: Int64) async throws -> UploadRecord?

    /// Deletes an upload row (used when its file could not be put into the inbox after all).
    func deleteUpload(id: Int64) async throws

    // MARK: AccessLink accounts

    /// Creates or replaces the AccessLink account of a user: the Polar user id and the OAuth2 access token
    /// (stored as given: the client needs it to call AccessLink). Keeps `registeredAt` when the Polar user is the same.
    func saveAccessLinkAccount(userKey: String, polarUserID: Int64, accessToken: String, now: Int64) async throws

    /// Every AccessLink account, ordered by user key.
    func accessLinkAccounts() async throws -> [AccessLinkAccount]

    /// The AccessLink account of one user (its token as stored), or nil when the user has none.
    func accessLinkAccount(userKey: String) async throws -> AccessLinkAccount?

    /// "Disconnect": deletes the AccessLink account of a user and every pending OAuth2 state the user started, in one
    /// transaction, and answers the deleted account (its token as stored), or nil when there was none. Of two removals
    /// at once, one gets the account. The exercises already fetched (`accesslink_exercises`, and what runs loaded) stay.
    func removeAccessLinkAccount(userKey: String) async throws -> AccessLinkAccount?

    /// Replaces the stored token of a user's account by `replacement` only while it still is `stored` (an UPDATE: it
    /// never creates an account, so one removed meanwhile stays removed); returns whether it replaced it.
    func replaceAccessLinkToken(userKey: String, stored: String, replacement: String, now: Int64) async throws -> Bool

    /// Notes that the user is registered with AccessLink (`POST /v3/users` answered 200 or 409).
    func markAccessLinkRegistered(userKey: String, now: Int64) async throws

    /// Whether an exercise (AccessLink id) of the user was already written into the inbox.
    func hasAccessLinkExercise(userKey: String, exerciseID: String) async throws -> Bool

    /// Remembers that an exercise of the user was written into the inbox at `path` (relative to the workspace).
    func recordAccessLinkExercise(userKey: String, exerciseID: String, path: String, now: Int64) async throws

    /// Remembers the OAuth2 `state` of a "Connect Polar account" that `userKey` started, by its SHA-256 (hex) only,
    /// until `expiresAt` (epoch ms). Migration `v11-accesslink-states` / `v9_accesslink_states`.
    func saveAccessLinkState(hash: String, userKey: String, expiresAt: Int64) async throws

    /// Takes a state: deletes it and answers its user when it was stored and has not expired at `now`, else nil.
    /// Single use: of two takes of one state at once, one gets the user. Expired states are deleted too.
    func takeAccessLinkState(hash: String, now: Int64) async throws -> String?

    // MARK: Health

    /// Reads from the database (its schema, say); throws when it is not reachable or not readable.
    func ping() async throws
}

/// An API token as stored: public id, owner, role, salt and salted hash of the secret.
public struct APITokenRecord: Sendable, Equatable {
    /// The public part of the token, used to find the row (`pp_<id>_<secret>`).
    public var id: String
    public var userKey: String
    /// Admin tokens read every user and the global views.
    public var isAdmin: Bool
    /// Random salt, hex.
    public var salt: String
    /// `SHA-256(salt bytes ‖ secret UTF-8)`, hex.
    public var hash: String
    public var createdAt: Int64
    public init(id: String, userKey: String, isAdmin: Bool, salt: String, hash: String, createdAt: Int64) {
        self.id = id
        self.userKey = userKey
        self.isAdmin = isAdmin
        self.salt = salt
        self.hash = hash
        self.createdAt = createdAt
    }
}

/// A file received by the upload API and put into a user's inbox.
public struct UploadRecord: Sendable, Equatable {
    /// Assigned by the store; ignored by `recordUpload`.
    public var id: Int64
    public var userKey: String
    public var sha256: String
    /// Where the upload was put, relative to the workspace (`inbox/alice/upload-….json`).
    public var path: String
    public var bytes: Int64
    /// `flow-export-v1`, `flow-export-v2`, `accesslink-v3` or `zip`.
    public var layout: String
    public var createdAt: Int64
    public init(id: Int64 = 0, userKey: String, sha256: String, path: String, bytes: Int64, layout: String, createdAt: Int64) {
        self.id = id
        self.userKey = userKey
        self.sha256 = sha256
        self.path = path
        self.bytes = bytes
        self.layout = layout
        self.createdAt = createdAt
    }
}

/// A user's link to Polar AccessLink.
public struct AccessLinkAccount: Sendable, Equatable {
    public var userKey: String
    public var polarUserID: Int64
    public var accessToken: String
    /// When `POST /v3/users` succeeded (or answered 409); nil before.
    public var registeredAt: Int64?
    public init(userKey: String, polarUserID: Int64, accessToken: String, registeredAt: Int64?) {
        self.userKey = userKey
        self.polarUserID = polarUserID
        self.accessToken = accessToken
        self.registeredAt = registeredAt
    }
}

/// User keys are inbox folder names: letters, digits, `-`, `_`, `.`, not starting with `.`, at most 64 characters.
public enum UserKey {
    public static func isValid(_ key: String) -> Bool {
        guard !key.isEmpty, key.count <= 64, !key.hasPrefix(".") else { return false }
        return key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}

import Foundation
import PolarPipeCore
import PolarPipeTestSupport
import Testing

/// AccessLink tokens at rest and the OAuth2 states of "Connect Polar account", on SQLite and PostgreSQL.
@Suite(.timeLimit(.minutes(5))) struct AccessLinkTokenStorageTests {
    static let t0: Int64 = 1_774_857_600_000

    static func key() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0 ..< 32).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }).base64EncodedString()
    }

    /// Runs `body` with a new store of `backend` as an `AccountStore`.
    static func withAccountStore(_ backend: Backend, _ body: (any AccountStore) async throws -> Void) async throws {
        try await withStore(backend) { s in try await body(try #require(s.store as? any AccountStore)) }
    }

    /// The accounts of `store` under a new random key.
    static func withNewKey(_ store: any AccountStore) throws -> AccessLinkAccounts {
        AccessLinkAccounts(store: store, cipher: try AccessLinkTokenCipher(base64Key: key()))
    }

    @Test(arguments: Backend.available) func tokensAreStoredEncryptedAndReadBackWithTheKey(_ backend: Backend) async throws {
        try await Self.withAccountStore(backend) { store in
            let accounts = try Self.withNewKey(store)
            try await accounts.save(userKey: "alice", polarUserID: 475, accessToken: "alice-access-token", now: Self.t0)
            try await accounts.save(userKey: "bob", polarUserID: 476, accessToken: "alice-access-token", now: Self.t0)
            let raw = try await store.accessLinkAccounts()
            #expect(raw.map(\.userKey) == ["alice", "bob"])
            #expect(raw.allSatisfy { $0.accessToken.hasPrefix("pp-aesgcm-v1:") && !$0.accessToken.contains("alice-access-token") })
            #expect(raw[0].accessToken != raw[1].accessToken)  // a nonce per value: the same token twice looks different
            let opened = try await accounts.accounts(now: Self.t0 + 1)
            #expect(opened.map(\.account.accessToken) == ["alice-access-token", "alice-access-token"])
            #expect(opened.allSatisfy { $0.failure == nil })
        }
    }

    @Test(arguments: Backend.available) func aPlaintextTokenOfAnOlderPolarpipeIsEncryptedOnItsFirstRead(_ backend: Backend) async throws {
        try await Self.withAccountStore(backend) { store in
            try await store.saveAccessLinkAccount(userKey: "alice", polarUserID: 475, accessToken: "old-plain-token", now: Self.t0)
            try await store.markAccessLinkRegistered(userKey: "alice", now: Self.t0 + 1)
            // Without a key the old row is used as it is.
            let plain = try await AccessLinkAccounts(store: store, cipher: nil).accounts(now: Self.t0 + 2)
            #expect(plain.first?.account.accessToken == "old-plain-token" && plain.first?.failure == nil)
            #expect(try await store.accessLinkAccounts().first?.accessToken == "old-plain-token")

            let accounts = try Self.withNewKey(store)
            let first = try await accounts.accounts(now: Self.t0 + 3)
            #expect(first.first?.account.accessToken == "old-plain-token")
            let raw = try #require(try await store.accessLinkAccounts().first)
            #expect(raw.accessToken.hasPrefix("pp-aesgcm-v1:") && !raw.accessToken.contains("old-plain-token"))
            #expect(raw.registeredAt == Self.t0 + 1)  // still registered: the same Polar user
            #expect(try await accounts.accounts(now: Self.t0 + 4).first?.account.accessToken == "old-plain-token")
        }
    }

    @Test(arguments: Backend.available) func aWrongOrMissingKeyIsAClearErrorForThatUserOnly(_ backend: Backend) async throws {
        try await Self.withAccountStore(backend) { store in
            let right = try Self.withNewKey(store)
            try await right.save(userKey: "alice", polarUserID: 475, accessToken: "alice-token", now: Self.t0)
            try await store.saveAccessLinkAccount(userKey: "bob", polarUserID: 476, accessToken: "bob-plain", now: Self.t0)

            let wrong = try await Self.withNewKey(store).accounts(now: Self.t0)
            #expect(wrong.map(\.failure) == [.wrongKey(userKey: "alice"), nil])
            #expect(wrong[0].account.accessToken.isEmpty && wrong[1].account.accessToken == "bob-plain")
            #expect("\(AccessLinkTokenError.wrongKey(userKey: "alice"))".contains("stored with another key than POLARPIPE_ACCESSLINK_TOKEN_KEY"))

            let none = try await AccessLinkAccounts(store: store, cipher: nil).accounts(now: Self.t0)
            #expect(none.first?.failure == .encryptedWithoutKey(userKey: "alice"))

            // A row copied to another user does not open: the user key is authenticated with the token.
            let alice = try #require(try await store.accessLinkAccounts().first)
            try await store.saveAccessLinkAccount(userKey: "bob", polarUserID: 476, accessToken: alice.accessToken, now: Self.t0)
            #expect(try await right.accounts(now: Self.t0).map(\.failure) == [nil, .wrongKey(userKey: "bob")])
            // A damaged value is reported, never decoded past its bounds.
            try await store.saveAccessLinkAccount(userKey: "bob", polarUserID: 476, accessToken: "pp-aesgcm-v1:%%%", now: Self.t0)
            #expect(try await right.accounts(now: Self.t0).last?.failure == .malformed(userKey: "bob"))
        }
    }

    /// "Disconnect": the account goes with the user's pending states, once, and nothing of another user's.
    @Test(arguments: Backend.available) func removingAnAccountTakesItsPendingStatesOnceAndKeepsTheFetchedExercises(_ backend: Backend) async throws {
        try await Self.withAccountStore(backend) { store in
            let accounts = try Self.withNewKey(store)
            try await accounts.save(userKey: "alice", polarUserID: 475, accessToken: "alice-token", now: Self.t0)
            try await store.markAccessLinkRegistered(userKey: "alice", now: Self.t0 + 1)
            try await accounts.save(userKey: "bob", polarUserID: 476, accessToken: "bob-token", now: Self.t0)
            try await store.recordAccessLinkExercise(userKey: "alice", exerciseID: "ex-1", path: "inbox/alice/accesslink-ex-1.json", now: Self.t0)
            for hash in ["a1", "a2"] { try await store.saveAccessLinkState(hash: hash, userKey: "alice", expiresAt: Self.t0 + 600_000) }
            try await store.saveAccessLinkState(hash: "b1", userKey: "bob", expiresAt: Self.t0 + 600_000)
            let stored = try #require(try await store.accessLinkAccount(userKey: "alice"))
            #expect(stored.polarUserID == 475 && stored.registeredAt == Self.t0 + 1 && stored.accessToken.hasPrefix("pp-aesgcm-v1:"))
            #expect(try await store.accessLinkAccount(userKey: "carol") == nil)

            // Many removals at once: one gets the account, as stored.
            let removals = try await withThrowingTaskGroup(of: AccessLinkAccount?.self) { group in
                for _ in 0 ..< 8 { group.addTask { try await store.removeAccessLinkAccount(userKey: "alice") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(removals.compactMap { $0 } == [stored])
            #expect(accounts.open(stored).account.accessToken == "alice-token")
            #expect(try await store.accessLinkAccount(userKey: "alice") == nil)
            #expect(try await store.accessLinkAccounts().map(\.userKey) == ["bob"])
            #expect(try await store.takeAccessLinkState(hash: "a1", now: Self.t0) == nil)
            #expect(try await store.takeAccessLinkState(hash: "a2", now: Self.t0) == nil)
            #expect(try await store.takeAccessLinkState(hash: "b1", now: Self.t0) == "bob")
            #expect(try await store.hasAccessLinkExercise(userKey: "alice", exerciseID: "ex-1"))
            #expect(try await store.removeAccessLinkAccount(userKey: "alice") == nil)

            // Encrypting an old plaintext token in place does not bring back an account removed since it was read.
            #expect(try await !store.replaceAccessLinkToken(userKey: "alice", stored: stored.accessToken, replacement: "x", now: Self.t0 + 2))
            #expect(try await store.accessLinkAccount(userKey: "alice") == nil)
            let bob = try #require(try await store.accessLinkAccount(userKey: "bob"))
            #expect(try await !store.replaceAccessLinkToken(userKey: "bob", stored: "not-bobs", replacement: "x", now: Self.t0 + 2))
            #expect(try await store.replaceAccessLinkToken(userKey: "bob", stored: bob.accessToken, replacement: "bob-new", now: Self.t0 + 2))
            #expect(try await store.accessLinkAccount(userKey: "bob")?.accessToken == "bob-new")
        }
    }

    @Test func aKeyMustBe32BytesInBase64() {
        #expect(throws: AccessLinkTokenError.badKey) { try AccessLinkTokenCipher(base64Key: "c2hvcnQ=") }
        #expect(throws: AccessLinkTokenError.badKey) { try AccessLinkTokenCipher(base64Key: "not base64 at all") }
        #expect(throws: Never.self) { try AccessLinkTokenCipher(base64Key: Data(count: 32).base64EncodedString()) }
    }

    @Test(arguments: Backend.available) func anOAuthStateIsUsedOnceAndNotAfterItExpires(_ backend: Backend) async throws {
        try await Self.withAccountStore(backend) { store in
            try await store.saveAccessLinkState(hash: "h1", userKey: "alice", expiresAt: Self.t0 + 600_000)
            try await store.saveAccessLinkState(hash: "h2", userKey: "bob", expiresAt: Self.t0 + 1_000)
            // Many takes of one state at once: one gets its user.
            let takes = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0 ..< 8 { group.addTask { try await store.takeAccessLinkState(hash: "h1", now: Self.t0) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(takes.compactMap { $0 } == ["alice"])
            #expect(try await store.takeAccessLinkState(hash: "h1", now: Self.t0) == nil)
            #expect(try await store.takeAccessLinkState(hash: "h2", now: Self.t0 + 1_000) == nil)  // expired
            #expect(try await store.takeAccessLinkState(hash: "unknown", now: Self.t0) == nil)
        }
    }
}

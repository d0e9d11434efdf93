import Crypto
import Foundation
import PolarPipeCore

/// API bearer tokens: `pp_<id>_<secret>`. The id (12 hex digits) finds the stored row; the secret (32 random
/// bytes, hex) is checked against `SHA-256(salt ‖ secret)` with a constant-time comparison. Only the salt and the
/// hash are stored.
public enum Tokens {
    /// Who a valid token belongs to.
    public struct Identity: Sendable, Equatable {
        public var userKey: String
        public var isAdmin: Bool
        /// May this identity read or write the data of `userKey`?
        public func mayAccess(_ key: String) -> Bool { isAdmin || key == userKey }
    }

    /// Creates, stores and returns a new token for an existing user. The returned string is shown once.
    public static func create(userKey: String, admin: Bool, store: any AccountStore, now: Int64 = Clock.nowMillis()) async throws -> String {
        let id = hex(random(6))
        let secret = hex(random(32))
        let salt = random(16)
        try await store.insertToken(APITokenRecord(id: id, userKey: userKey, isAdmin: admin, salt: hex(salt),
                                                   hash: hex(hash(salt: salt, secret: secret)), createdAt: now))
        return "pp_\(id)_\(secret)"
    }

    /// The identity of a bearer token, or nil when it is malformed, unknown or wrong.
    public static func verify(_ token: String, store: any AccountStore) async throws -> Identity? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "pp", parts[1].count == 12, parts[2].count == 64,
              let record = try await store.token(id: String(parts[1])),
              let salt = bytes(hex: record.salt), let expected = bytes(hex: record.hash)
        else { return nil }
        let actual = hash(salt: salt, secret: String(parts[2]))
        return constantTimeEqual(Array(actual), expected) ? Identity(userKey: record.userKey, isAdmin: record.isAdmin) : nil
    }

    /// The public id of a token string (for `tokens revoke`), or nil.
    public static func id(of token: String) -> String? {
        let parts = token.split(separator: "_")
        return parts.count == 3 && parts[0] == "pp" ? String(parts[1]) : nil
    }

    static func hash(salt: [UInt8], secret: String) -> SHA256.Digest {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return hasher.finalize()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        Hex.string(bytes)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i ..< i + 2], as: UTF8.self), radix: 16) else { return nil }
            result.append(byte)
            i += 2
        }
        return result
    }
}

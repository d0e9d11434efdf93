import Crypto
import Foundation

/// Why an AccessLink access token cannot be stored or read. Messages say what to do and never hold a token or key.
public enum AccessLinkTokenError: Error, CustomStringConvertible, Equatable {
    /// No `accesslink.token_key`: a new token is not stored in plaintext.
    case noKey
    /// The key is not 32 bytes in base64.
    case badKey
    /// The stored token was encrypted with another key (or the row was altered).
    case wrongKey(userKey: String)
    /// The stored token is encrypted and no key is set.
    case encryptedWithoutKey(userKey: String)
    /// The stored value claims to be an encrypted token but is not one.
    case malformed(userKey: String)

    static let howToSetKey = "set POLARPIPE_ACCESSLINK_TOKEN_KEY to 32 random bytes in base64 (`openssl rand -base64 32`) in the environment of polarpipe"

    public var description: String {
        switch self {
        case .noKey:
            return "access tokens are stored encrypted and no key is set: \(Self.howToSetKey)"
        case .badKey:
            return "POLARPIPE_ACCESSLINK_TOKEN_KEY is not 32 bytes in base64: \(Self.howToSetKey)"
        case .wrongKey(let user):
            return "the AccessLink token of \(user) was stored with another key than POLARPIPE_ACCESSLINK_TOKEN_KEY: "
                + "set the key it was stored with, or connect the Polar account again"
        case .encryptedWithoutKey(let user):
            return "the AccessLink token of \(user) is stored encrypted and POLARPIPE_ACCESSLINK_TOKEN_KEY is not set: "
                + "set the key it was stored with"
        case .malformed(let user):
            return "the stored AccessLink token of \(user) is damaged: connect the Polar account again"
        }
    }
}

/// AES-256-GCM for AccessLink access tokens at rest. A stored token is `pp-aesgcm-v1:` followed by the base64 of
/// nonce (12 random bytes, new for every value) ‖ ciphertext ‖ tag (16 bytes); the user key is authenticated with
/// it, so a row copied to another user does not open. A value without the prefix is a plaintext token stored by an
/// older polarpipe (`AccessLinkAccounts` encrypts it when it reads it).
public struct AccessLinkTokenCipher: Sendable {
    /// The version prefix of an encrypted value.
    public static let prefix = "pp-aesgcm-v1:"
    /// Longest stored value opened (a token is far shorter); longer is `malformed`, never decoded.
    static let maxStoredLength = 16 << 10
    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made for each use).
    let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The cipher of a key given as base64 of 32 bytes.
    public init(base64Key: String) throws {
        guard base64Key.utf8.count <= 256, let bytes = Data(base64Encoded: base64Key), bytes.count == 32 else {
            throw AccessLinkTokenError.badKey
        }
        keyBytes = [UInt8](bytes)
    }

    /// The cipher of the configured `accesslink.token_key`, or nil when none is set.
    public static func configured(_ configuration: PipelineConfiguration) throws -> AccessLinkTokenCipher? {
        try configuration.accessLinkTokenKey.map { try AccessLinkTokenCipher(base64Key: $0.value) }
    }

    /// Is this stored value an encrypted token (of any key)?
    public static func isEncrypted(_ stored: String) -> Bool { stored.hasPrefix(prefix) }

    /// The stored form of `token` for `userKey`.
    public func seal(_ token: String, userKey: String) throws -> String {
        let box = try AES.GCM.seal(Data(token.utf8), using: key, authenticating: Self.context(userKey))
        guard let combined = box.combined else { throw AccessLinkTokenError.badKey }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The token of a value `seal` stored for `userKey`.
    public func open(_ stored: String, userKey: String) throws -> String {
        guard Self.isEncrypted(stored), stored.utf8.count <= Self.maxStoredLength,
              let combined = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
              let box = try? AES.GCM.SealedBox(combined: combined)
        else { throw AccessLinkTokenError.malformed(userKey: userKey) }
        guard let plain = try? AES.GCM.open(box, using: key, authenticating: Self.context(userKey)) else {
            throw AccessLinkTokenError.wrongKey(userKey: userKey)
        }
        return String(decoding: plain, as: UTF8.self)
    }

    static func context(_ userKey: String) -> Data { Data("polarpipe accesslink token of \(userKey)".utf8) }
}

import Foundation
import Hummingbird
import PolarPipeCore

/// Finds the identity of a request: `Authorization: Bearer <token>`, or HTTP Basic with the token as password
/// (any user name), so a browser can open the dashboards. 401 when missing or wrong.
struct Authentication: Sendable {
    let store: any AccountStore

    func identity(of request: Request) async throws -> Tokens.Identity {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let token: String
        if header.lowercased().hasPrefix("bearer ") {
            token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic "),
                  let decoded = Data(base64Encoded: String(header.dropFirst("basic ".count)).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            token = String(text[text.index(after: colon)...])
        } else {
            throw APIError.unauthorized
        }
        guard let identity = try await Tokens.verify(token, store: store) else { throw APIError.unauthorized }
        return identity
    }

    /// The identity, which must be allowed to see `userKey` (403 otherwise).
    func identity(of request: Request, accessing userKey: String) async throws -> Tokens.Identity {
        let identity = try await identity(of: request)
        guard identity.mayAccess(userKey) else { throw APIError.forbidden("this token may not access user \(userKey)") }
        return identity
    }

    /// An admin identity (403 otherwise).
    func admin(_ request: Request) async throws -> Tokens.Identity {
        let identity = try await identity(of: request)
        guard identity.isAdmin else { throw APIError.forbidden("an admin token is required") }
        return identity
    }
}

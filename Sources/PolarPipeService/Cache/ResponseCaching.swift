import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PolarPipeCore

/// Serves a read response from the cache or renders it and keeps it. The key is the caller's scope (`admin`, or
/// `user:<key>` for a user token: a user's responses are never another's), the request's normalized path and the
/// database's `StoreDataMarker`; the cache's generation (bumped by the service's own runs) is checked on lookup.
/// Only successful renders are kept: a 403 or 404 is thrown by `render` and never cached. The response says
/// `x-polarpipe-cache: hit`, `miss` (rendered and kept) or `bypass` (rendered: a run in progress, or the cache down).
/// What depends on other data than the runs (a user's Polar account) is added by `finish` at each request, after the
/// cache: it is never kept.
struct ResponseCaching: Sendable {
    static let header = HTTPField.Name("x-polarpipe-cache")!
    let cache: any ResponseCache
    let store: any RunStore

    init(environment: ServiceEnvironment) {
        cache = environment.cache
        store = environment.store
    }

    func respond(_ identity: Tokens.Identity, path: String, render: () async throws -> CachedResponse,
                 finish: (CachedResponse) async throws -> CachedResponse = { $0 }) async throws -> Response {
        guard let marker = try await StoreDataMarker.current(store) else { return Self.response(try await finish(try await render()), "bypass") }
        let key = Self.key(scope: Self.scope(identity), path: path, marker: marker)
        switch await cache.lookup(key) {
        case .hit(let cached):
            return Self.response(try await finish(cached), "hit")
        case .miss(let generation):
            let rendered = try await render()
            await cache.store(rendered, key: key, generation: generation)
            return Self.response(try await finish(rendered), "miss")
        case .unavailable:
            return Self.response(try await finish(try await render()), "bypass")
        }
    }

    /// Whose view a response is: every admin sees the same pages, a user only its own.
    static func scope(_ identity: Tokens.Identity) -> String { identity.isAdmin ? "admin" : "user:\(identity.userKey)" }

    /// `polarpipe:cache:<scope>:<digest of marker and path>`: fixed length whatever the path, the scope readable
    /// (so an operator can see, or delete, one user's entries).
    static func key(scope: String, path: String, marker: String) -> String {
        let digest = SHA256.hash(data: Data((marker + "\n" + path).utf8))
        return "polarpipe:cache:\(scope):" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func response(_ cached: CachedResponse, _ state: String) -> Response {
        var headers: HTTPFields = [.contentType: cached.contentType]
        headers[header] = state
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: cached.body)))
    }
}

extension CachedResponse {
    static func html(_ text: String) -> CachedResponse { CachedResponse(contentType: "text/html; charset=utf-8", body: Array(text.utf8)) }

    /// The body with `html` inserted after the first `marker` (unchanged without one).
    func inserting(_ html: String, after marker: String) -> CachedResponse {
        let needle = Array(marker.utf8)
        guard !needle.isEmpty, body.count >= needle.count else { return self }
        for start in 0 ... body.count - needle.count where body[start] == needle[0] && body[start ..< start + needle.count].elementsEqual(needle) {
            var copy = self
            copy.body.insert(contentsOf: Array(html.utf8), at: start + needle.count)
            return copy
        }
        return self
    }

    static func json<T: Encodable>(_ value: T) throws -> CachedResponse {
        CachedResponse(contentType: "application/json; charset=utf-8", body: Array(try RunHistoryJSON.data(value)))
    }
}

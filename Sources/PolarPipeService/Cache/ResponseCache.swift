import Foundation

/// A rendered response as it is cached: its content type and body.
public struct CachedResponse: Sendable, Equatable {
    public var contentType: String
    public var body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }
}

/// What a cache lookup found.
public enum CacheLookup: Sendable, Equatable {
    /// The response stored under the key in the current generation.
    case hit(CachedResponse)
    /// Nothing in the current generation: render, then `store` under this generation.
    case miss(generation: Int64)
    /// The cache cannot answer (Redis down): render and do not store.
    case unavailable
}

/// Where the service keeps rendered pages and statistics responses. Entries belong to a *data generation*, a
/// counter bumped whenever the data may have changed (`bumpGeneration`): a lookup finds only what was stored in
/// the current generation, so a bump drops every older response at once, whatever the key. A cache that fails
/// answers `.unavailable` and never throws: a request is then rendered as if there were no cache.
public protocol ResponseCache: Sendable {
    /// `memory`, `redis` or `off`, for logs and the `x-polarpipe-cache` header.
    var name: String { get }
    func lookup(_ key: String) async -> CacheLookup
    /// Keeps `response` under `key` for `generation` (a store for an older generation than the current is dropped).
    func store(_ response: CachedResponse, key: String, generation: Int64) async
    /// Starts a new generation: nothing stored before is found again.
    func bumpGeneration() async
}

/// `service.cache = off`: every request renders.
public struct NoResponseCache: ResponseCache {
    public init() {}
    public var name: String { "off" }
    public func lookup(_ key: String) async -> CacheLookup { .unavailable }
    public func store(_ response: CachedResponse, key: String, generation: Int64) async {}
    public func bumpGeneration() async {}
}

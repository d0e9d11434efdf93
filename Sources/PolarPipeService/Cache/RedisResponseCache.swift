import Foundation
import Logging

/// The cache in Redis (`serve --cache redis://host:port`), shared by every service pointed at the same server.
/// The generation is the integer at `polarpipe:cache:generation` (`INCR` bumps it); an entry is
/// `<generation>\n<content type>\n<body>` under its key, so a lookup — `GET` of the generation and of the key,
/// pipelined in one round trip — finds it only in the generation it was stored in. Entries also expire after
/// `expireSeconds`, only to give back the memory of old generations: freshness comes from the generation alone.
public struct RedisResponseCache: ResponseCache {
    public static let generationKey = "polarpipe:cache:generation"
    public var name: String { "redis" }
    public let client: RESPClient
    public let expireSeconds: Int
    private let outages: CacheOutageLog

    public init(client: RESPClient, expireSeconds: Int = 86_400, logger: Logger) {
        self.client = client
        self.expireSeconds = expireSeconds
        self.outages = CacheOutageLog(logger: logger)
    }

    public func lookup(_ key: String) async -> CacheLookup {
        do {
            let replies = try await client.send([["GET", Self.generationKey].map(RESPClient.bytes), ["GET", key].map(RESPClient.bytes)])
            await outages.answered()
            let generation = try RESPClient.bulk(replies.first).map(RESPParser.integer) ?? 0
            guard replies.count == 2, case .bulk(let value?) = replies[1], let (stored, response) = Self.decode(value),
                  stored == generation
            else { return .miss(generation: generation) }
            return .hit(response)
        } catch {
            await outages.failed(error)
            return .unavailable
        }
    }

    public func store(_ response: CachedResponse, key: String, generation: Int64) async {
        let value = Self.encode(response, generation: generation)
        // A value this client would refuse to read back is not written.
        guard value.count <= client.configuration.limits.maxBulkBytes else { return }
        do {
            try await client.set(key, value, expireSeconds: expireSeconds)
        } catch {
            await outages.failed(error)
        }
    }

    public func bumpGeneration() async {
        do {
            _ = try await client.incr(Self.generationKey)
        } catch {
            await outages.failed(error)
        }
    }

    static func encode(_ response: CachedResponse, generation: Int64) -> [UInt8] {
        Array("\(generation)\n\(response.contentType)\n".utf8) + response.body
    }

    /// The generation and response of a stored value; nil for a value polarpipe did not write.
    static func decode(_ value: [UInt8]) -> (Int64, CachedResponse)? {
        let newline = UInt8(ascii: "\n")
        guard let first = value.prefix(32).firstIndex(of: newline),
              let generation = try? RESPParser.integer(Array(value[..<first])),
              let second = value[(first + 1)...].prefix(256).firstIndex(of: newline)
        else { return nil }
        let contentType = String(decoding: value[(first + 1) ..< second], as: UTF8.self)
        return (generation, CachedResponse(contentType: contentType, body: Array(value[(second + 1)...])))
    }
}

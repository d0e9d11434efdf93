import Foundation
import Logging
import PolarPipeCore

/// The response cache a configuration asks for (`service.cache`).
public enum ResponseCaches {
    public static func make(_ configuration: PipelineConfiguration, logger: Logger) -> any ResponseCache {
        switch configuration.cache {
        case .memory: MemoryResponseCache(maxEntries: configuration.cacheMaxEntries, maxBytes: configuration.cacheMaxBytes)
        case .off: NoResponseCache()
        case .redis(let host, let port):
            // Replies are bounded by the same byte bound as the in-process cache (at most 256 MiB).
            RedisResponseCache(client: RESPClient(.init(host: host, port: port,
                                                        limits: RESPLimits(maxBulkBytes: min(configuration.cacheMaxBytes, 256 << 20)))),
                               logger: logger)
        }
    }
}

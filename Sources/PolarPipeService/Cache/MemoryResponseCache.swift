import Foundation

/// The in-process cache (the default): least recently used entries go first once either bound is reached, at
/// most `maxEntries` responses and `maxBytes` bytes of bodies. The generation is a counter of this process; a bump
/// empties the cache.
public actor MemoryResponseCache: ResponseCache {
    public nonisolated let name = "memory"
    public let maxEntries: Int
    public let maxBytes: Int

    private struct Entry {
        var response: CachedResponse
        var older: String?
        var newer: String?
    }

    private var entries: [String: Entry] = [:]
    /// The ends of the recency list: `newest` was used last, `oldest` goes first.
    private var newest: String?
    private var oldest: String?
    private var generation: Int64 = 0
    public private(set) var bytes = 0

    public init(maxEntries: Int = 1024, maxBytes: Int = 64 << 20) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
    }

    public var count: Int { entries.count }

    public func lookup(_ key: String) -> CacheLookup {
        guard let entry = entries[key] else { return .miss(generation: generation) }
        unlink(key)
        link(key, entry.response)
        return .hit(entry.response)
    }

    public func store(_ response: CachedResponse, key: String, generation: Int64) {
        guard generation == self.generation, response.body.count <= maxBytes else { return }
        if entries[key] != nil { unlink(key) }
        link(key, response)
        while entries.count > maxEntries || bytes > maxBytes, let oldest { unlink(oldest) }
    }

    public func bumpGeneration() {
        generation += 1
        entries.removeAll()
        newest = nil
        oldest = nil
        bytes = 0
    }

    /// Adds `key` as the newest entry.
    private func link(_ key: String, _ response: CachedResponse) {
        entries[key] = Entry(response: response, older: newest, newer: nil)
        if let newest { entries[newest]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
        bytes += response.body.count
    }

    /// Takes `key` out of the recency list and the byte count (the caller links it again or forgets it).
    private func unlink(_ key: String) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if let older = entry.older { entries[older]?.newer = entry.newer } else { oldest = entry.newer }
        if let newer = entry.newer { entries[newer]?.older = entry.older } else { newest = entry.older }
        bytes -= entry.response.body.count
    }
}

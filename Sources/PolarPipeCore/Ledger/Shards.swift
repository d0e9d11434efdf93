/// How a run's batch is cut into the shards its mapped tasks work on (`TaskMapping`).
///
/// - **File shards.** Validated files in the order they were validated (the inbox's order, one user folder after
///   another). A shard closes when it holds `files` files or the next file would take it past `bytes` (a larger
///   file is a shard on its own). A user's files thus lie in consecutive shards, in order.
/// - **User shards.** The run's user keys in sorted order, `users` to a shard.
public struct ShardLimits: Sendable, Equatable {
    public var files: Int
    public var bytes: Int64
    public var users: Int

    public init(files: Int = 64, bytes: Int64 = 64 << 20, users: Int = 64) {
        self.files = max(1, files)
        self.bytes = max(1, bytes)
        self.users = max(1, users)
    }

    /// The run's user keys (any order, repeated) cut into user shards.
    public func userShards(_ keys: [String]) -> [[String]] {
        let sorted = Set(keys).sorted()
        return stride(from: 0, to: sorted.count, by: users).map { Array(sorted[$0 ..< min($0 + users, sorted.count)]) }
    }
}

/// Assigns validated files to file shards as they are recorded; resumes from the ledger rows of an earlier try.
public struct ShardCutter: Sendable {
    public let limits: ShardLimits
    /// The open shard and what it holds.
    public private(set) var index = 0
    public private(set) var files = 0
    public private(set) var bytes: Int64 = 0

    public init(limits: ShardLimits, resuming rows: [FileRecord] = []) {
        self.limits = limits
        guard let last = rows.compactMap(\.shard).max() else { return }
        index = last
        for row in rows where row.shard == last {
            files += 1
            bytes = bytes &+ max(0, row.bytes)
        }
    }

    /// The shard of the next validated file of `size` bytes.
    public mutating func assign(bytes size: Int64) -> Int {
        let size = max(0, size)
        if files > 0, files >= limits.files || bytes > limits.bytes &- size {
            index += 1
            files = 0
            bytes = 0
        }
        files += 1
        bytes = bytes &+ size
        return index
    }

    /// Shards that no file joins any more: every one before the open shard.
    public var closed: Int { index }
    /// How many shards there are once no file comes.
    public var count: Int { files > 0 ? index + 1 : index }
}

/// At most `width` bodies at once, at most `queue` more waiting; the rest are refused at once (`Busy`). For work
/// that outside requests start (decoding an upload): memory and CPU stay bounded whatever the number of clients.
public actor AsyncLimiter {
    public struct Busy: Error, CustomStringConvertible {
        public var description: String { "too many requests are being processed; try again shortly" }
    }

    public let width: Int
    public let queue: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(width: Int, queue: Int) {
        self.width = max(1, width)
        self.queue = max(0, queue)
    }

    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if running >= width {
            guard waiting.count < queue else { throw Busy() }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer { release() }
        return try await body()
    }

    /// Hands the slot to the next waiter, or frees it.
    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

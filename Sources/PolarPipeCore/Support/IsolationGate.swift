/// Shared or exclusive turns, first come first served: many bodies may hold the gate shared at once, an exclusive
/// body holds it alone. A waiting exclusive body lets no later shared one pass, so it is never starved.
public actor IsolationGate {
    private var sharers = 0
    private var held = false
    private var waiting: [(exclusive: Bool, resume: CheckedContinuation<Void, Never>)] = []

    public init() {}

    public func shared<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if held || !waiting.isEmpty {
            await withCheckedContinuation { waiting.append((false, $0)) }
        } else {
            sharers += 1
        }
        defer {
            sharers -= 1
            wake()
        }
        return try await body()
    }

    public func exclusive<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if held || sharers > 0 || !waiting.isEmpty {
            await withCheckedContinuation { waiting.append((true, $0)) }
        } else {
            held = true
        }
        defer {
            held = false
            wake()
        }
        return try await body()
    }

    /// Lets the next waiters in: one exclusive body, or every shared body up to the next exclusive one. Their turn is
    /// taken here, before they resume.
    private func wake() {
        guard !held, let next = waiting.first else { return }
        if next.exclusive {
            guard sharers == 0 else { return }
            held = true
            waiting.removeFirst().resume.resume()
            return
        }
        while let first = waiting.first, !first.exclusive {
            sharers += 1
            waiting.removeFirst().resume.resume()
        }
    }
}

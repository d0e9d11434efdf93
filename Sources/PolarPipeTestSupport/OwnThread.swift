import Foundation

/// Runs a polling loop on a thread of its own. A test that watches another process (to kill it at a moment, or to
/// act while it runs) must not poll on Swift's cooperative pool: in a test process running many suites at once,
/// that pool (one thread per core) is often busy with blocking work for seconds, and the moment passes unseen.
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        // A serial queue of its own is served by an overcommitting thread of libdispatch, not by the pool's.
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "polarpipe-test.own-thread").async { continuation.resume(returning: body()) }
        }
    }
}

/// A value handed to `OwnThread` while the caller only awaits it: used by one thread at a time. (Never a Foundation
/// `Process`: one used from a second thread has crashed in its `deinit`. Hand over its pid and ask `isAlive`.)
public struct HandedOver<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Whether process `pid` is running: it exists and is not a zombie waiting to be reaped (as a killed child is).
public func isAlive(pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
        return false
    }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

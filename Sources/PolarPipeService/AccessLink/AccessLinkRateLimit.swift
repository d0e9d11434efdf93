import Foundation

/// Polar's rate limits of an API client, shared by every request of one sync (the limits are the client's, not a
/// user's). AccessLink reports them on its answers as `RateLimit-Usage`, `RateLimit-Limit` and `RateLimit-Reset`
/// (comma-separated, one value per window, e.g. 15 minutes and 24 hours; reset in seconds). Once a window's usage
/// reaches its limit, or a 429 asks for a longer wait than the client waits, the gate is closed until the reset, and
/// every further request fails at once with `AccessLinkError.rateLimitReached` instead of being sent.
public final class AccessLinkRateLimit: @unchecked Sendable {
    private let lock = NSLock()
    private var closedUntil: Date?
    /// The latest usage seen: `(used, limit)` of each window.
    private var windows: [(used: Int, limit: Int)] = []

    public init() {}

    /// Seconds until the gate opens again, or nil when requests may be sent.
    public func wait(now: Date = Date()) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard let closedUntil, closedUntil > now else { return nil }
        return Int(closedUntil.timeIntervalSince(now).rounded(.up))
    }

    /// Closes the gate for `seconds` (bounded to a day).
    public func close(seconds: Int, now: Date = Date()) {
        let until = now.addingTimeInterval(Double(min(max(seconds, 1), 86_400)))
        lock.lock()
        closedUntil = max(closedUntil ?? until, until)
        lock.unlock()
    }

    /// Reads the headers of an answer; closes the gate when a window is used up.
    func observe(usage: String?, limit: String?, reset: String?, now: Date = Date()) {
        guard let used = Self.numbers(usage), let limits = Self.numbers(limit), used.count == limits.count else { return }
        let resets = Self.numbers(reset) ?? []
        lock.lock()
        windows = zip(used, limits).map { (used: $0, limit: $1) }
        lock.unlock()
        for (index, (u, l)) in zip(used, limits).enumerated() where l > 0 && u >= l {
            close(seconds: index < resets.count ? resets[index] : 900, now: now)
        }
    }

    /// "12 of 500, 140 of 5000 requests": the latest usage, for progress lines; nil before any answer reported it.
    public var usage: String? {
        lock.lock()
        defer { lock.unlock() }
        return windows.isEmpty ? nil : windows.map { "\($0.used) of \($0.limit)" }.joined(separator: ", ") + " requests"
    }

    /// Up to 4 comma-separated whole numbers of at most 9 digits; nil for anything else.
    static func numbers(_ header: String?) -> [Int]? {
        guard let header, header.utf8.count <= 64 else { return nil }
        let parts = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1 ... 4).contains(parts.count),
              parts.allSatisfy({ (1 ... 9).contains($0.utf8.count) && $0.utf8.allSatisfy { (48 ... 57).contains($0) } })
        else { return nil }
        return parts.compactMap { Int($0) }  // at most 9 digits each: always fits
    }
}

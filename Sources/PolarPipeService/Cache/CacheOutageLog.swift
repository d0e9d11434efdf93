import Foundation
import Logging

/// Logs that the cache is down at most once a `interval` (a dead Redis must not write a line per request), and
/// once that it answers again.
actor CacheOutageLog {
    private let logger: Logger
    private let interval: Duration
    private var lastWarning: ContinuousClock.Instant?
    private var failing = false

    init(logger: Logger, interval: Duration = .seconds(60)) {
        self.logger = logger
        self.interval = interval
    }

    func failed(_ error: any Error) {
        failing = true
        let now = ContinuousClock.now
        if let lastWarning, now - lastWarning < interval { return }
        lastWarning = now
        logger.warning("response cache unavailable; requests are rendered without it", metadata: ["error": "\(error)"])
    }

    func answered() {
        guard failing else { return }
        failing = false
        lastWarning = nil
        logger.notice("response cache reachable again")
    }

    var isFailing: Bool { failing }
}

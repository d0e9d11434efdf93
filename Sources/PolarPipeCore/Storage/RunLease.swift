/// Who asks for the run lease.
public struct LeaseOwner: Sendable, Equatable {
    /// How an owner holds a run.
    public enum Mode: String, Sendable {
        /// `polarpipe run`, `--resume`, `serve`, `stats rebuild`: one process holds the whole run, alone.
        case process
        /// `polarpipe task` (Airflow): the run's tasks come one or two at a time, each in a process of its own; they
        /// share the run's lease, and nobody else may take it between them.
        case task
    }
    public var pid: Int32
    public var host: String
    public var mode: Mode
    public init(pid: Int32, host: String, mode: Mode = .process) {
        self.pid = pid
        self.host = host
        self.mode = mode
    }
}

/// The current holder of the run lease. `token` is the fencing token: it grows by one whenever the lease changes
/// hands, so a holder that was presumed dead and comes back finds its token outdated and stops (its heartbeat
/// fails, `RunLease.Lost`).
public struct LeaseHolder: Sendable, Equatable {
    public var runID: String
    public var owner: LeaseOwner
    public var acquiredAt: Int64
    public var expiresAt: Int64
    public var token: Int64
    public init(runID: String, owner: LeaseOwner, acquiredAt: Int64, expiresAt: Int64, token: Int64 = 1) {
        self.runID = runID
        self.owner = owner
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.token = token
    }
}

/// The rules of the one-active-run lease (SPEC §2 `max_active_runs = 1`). Backends only store the row: they read
/// it, call one of these, and write the decision in the same transaction (`RunStore.updateLease`).
public enum RunLease {
    public enum Decision: Sendable, Equatable {
        /// Write this holder.
        case grant(LeaseHolder)
        /// Someone else holds it: change nothing.
        case blocked(LeaseHolder?)
        /// Mark the row released (`LeaseHolder.isReleased`: expiry 0), keeping its token, so that a later holder's
        /// token is still greater than any token given out before and an old holder stays fenced.
        case release
    }

    /// The lease was taken over by another owner while this one still ran.
    public struct Lost: Error, CustomStringConvertible {
        public var runID: String
        public var description: String { "the run lease of \(runID) was taken over by another process; this one stopped" }
    }

    /// `owner` asks for the lease of `runID`. Free, released, expired or dead leases are granted with a new token; the same
    /// owner renews its own; task-mode owners of the same run share it (one token for the run); anything else is
    /// blocked. `isStale` decides whether a process-mode holder whose lease has not expired is dead; a task-mode
    /// holder is judged by expiry only, since its run lives on between its task processes.
    public static func acquire(_ current: LeaseHolder?, runID: String, owner: LeaseOwner, now: Int64, ttlMillis: Int64,
                               isStale: (LeaseHolder) -> Bool) -> Decision {
        let ttl = max(1, ttlMillis)
        guard let current else {
            return .grant(LeaseHolder(runID: runID, owner: owner, acquiredAt: now, expiresAt: now &+ ttl, token: 1))
        }
        let lapsed = current.expiresAt <= now || (current.owner.mode == .process && isStale(current))
        if lapsed {
            return .grant(LeaseHolder(runID: runID, owner: owner, acquiredAt: now, expiresAt: now &+ ttl, token: current.token &+ 1))
        }
        if current.runID == runID, current.owner == owner || (current.owner.mode == .task && owner.mode == .task) {
            var renewed = current
            renewed.owner = owner
            renewed.expiresAt = max(current.expiresAt, now &+ ttl)
            return .grant(renewed)
        }
        return .blocked(current)
    }

    /// The heartbeat of the holder with `token`: extends the lease, or reports it lost.
    public static func renew(_ current: LeaseHolder?, runID: String, token: Int64, now: Int64, ttlMillis: Int64) -> Decision {
        guard var current, !current.isReleased, current.runID == runID, current.token == token else { return .blocked(current) }
        current.expiresAt = max(current.expiresAt, now &+ max(1, ttlMillis))
        return .grant(current)
    }

    /// Gives the lease up, if `runID` (and, when given, `token`) still holds it.
    public static func release(_ current: LeaseHolder?, runID: String, token: Int64?) -> Decision {
        guard let current, !current.isReleased, current.runID == runID, token == nil || current.token == token else { return .blocked(current) }
        return .release
    }
}

extension RunStore {
    /// Takes the lease for `runID`; returns the holder that blocks, or nil when the lease is now ours.
    public func acquireLease(runID: String, owner: LeaseOwner, now: Int64, ttlMillis: Int64,
                             isStale: @escaping @Sendable (LeaseHolder) -> Bool) async throws -> LeaseHolder? {
        switch try await updateLease({ RunLease.acquire($0, runID: runID, owner: owner, now: now, ttlMillis: ttlMillis, isStale: isStale) }) {
        case .grant, .release: return nil
        case .blocked(let holder): return holder
        }
    }

    /// The fencing token of the lease `runID` holds now.
    public func leaseToken(runID: String) async throws -> Int64? {
        guard let holder = try await currentLease(), holder.runID == runID else { return nil }
        return holder.token
    }

    /// Extends the lease of `runID` held with `token`; throws `RunLease.Lost` when another owner has it.
    public func renewLease(runID: String, token: Int64, now: Int64, ttlMillis: Int64) async throws {
        if case .blocked = try await updateLease({ RunLease.renew($0, runID: runID, token: token, now: now, ttlMillis: ttlMillis) }) {
            throw RunLease.Lost(runID: runID)
        }
    }

    /// Releases the lease if `runID` holds it (with `token`, when given); otherwise changes nothing.
    public func releaseLease(runID: String, token: Int64? = nil) async throws {
        _ = try await updateLease { RunLease.release($0, runID: runID, token: token) }
    }
}

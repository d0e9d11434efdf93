/// The fencing token a run holds, checked by every write the run makes.
///
/// A store made for a run (`PipelineStore.fenced(by:)`) reads the lease row inside each write's own transaction and
/// calls `check` before it changes anything: a process that was presumed dead (a long pause, a network partition)
/// and comes back after another owner took the lease over has its writes refused at once, not only at its next
/// heartbeat. The check is one read of the one-row lease table by its primary key.
public struct LeaseFence: Sendable, Equatable {
    public var runID: String
    public var token: Int64
    public init(runID: String, token: Int64) {
        self.runID = runID
        self.token = token
    }

    /// Throws `Fenced` unless `current` (the lease row as the write's transaction reads it) is still this run's
    /// lease with this token. A released lease fences too: the run gave it up.
    public func check(_ current: LeaseHolder?) throws(Fenced) {
        guard let current, !current.isReleased, current.runID == runID, current.token == token else {
            throw Fenced(fence: self, current: current)
        }
    }

    /// The same rule as `check` on a narrower read: `heldToken` is the token of the lease while `runID` holds it
    /// (nil when another run has it or it was released). Stores read that one value first and the whole row only to
    /// explain a refusal.
    public func admits(heldToken: Int64?) -> Bool { heldToken == token }

    /// A write refused because the run lease changed hands since this process took it.
    public struct Fenced: Error, CustomStringConvertible, Equatable {
        public var fence: LeaseFence
        /// The lease as the refused write found it.
        public var current: LeaseHolder?

        public var description: String {
            let to: String
            if let current, !current.isReleased {
                to = "run \(current.runID) (process \(current.owner.pid) on \(current.owner.host), token \(current.token))"
            } else {
                to = "no one (it was released)"
            }
            return "fenced: the run lease passed to \(to); this process held token \(fence.token) of run \(fence.runID), so its write was refused"
        }
    }
}

extension LeaseHolder {
    /// A released lease keeps its row, so that the next holder's token still grows (`RunLease.release`); its
    /// expiry is 0, and it is free to take.
    public var isReleased: Bool { expiresAt == 0 }
}

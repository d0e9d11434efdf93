/// The ingestion ledger: one row of `ingested_files` per inbox file and per zip entry, each with an explicit
/// state. Every task, recovery, `--resume`, an Airflow retry and cleanup work from these rows, never from file
/// names: a claimed file is kept under a name derived from its row id, and a zip entry's name has its own column.
///
/// ```
/// claimed ─┬→ validated → loaded → archived
///          ├→ duplicate          (same bytes, or every exercise already loaded)
///          ├→ quarantined        (refused, with a reason)
///          ├→ skipped            (not a training session: activity, sleep, … — recorded with its kind)
///          └→ partial → claimed  (a zip whose entries spread over several runs: back to the inbox in between)
/// ```
/// A validated file can still become `duplicate` (`duplicate-exercise`) or `quarantined` (`internal-error`), and a
/// loaded one `quarantined` (`internal-error`, its exercises removed first) when it kills a later task's process
/// (`PoisonPill`).
public enum FileState: String, Sendable, Codable, CaseIterable {
    case claimed, validated, loaded, archived, duplicate, quarantined, skipped, partial

    /// The states this one may move to (staying in the same state is always allowed: tasks are idempotent).
    public var successors: Set<FileState> {
        switch self {
        case .claimed: return [.validated, .duplicate, .quarantined, .skipped, .partial]
        case .validated: return [.loaded, .duplicate, .quarantined, .archived]
        case .loaded: return [.archived, .quarantined]
        case .partial: return [.claimed]
        case .archived, .duplicate, .quarantined, .skipped: return []
        }
    }

    public func canMove(to next: FileState) -> Bool { next == self || successors.contains(next) }

    /// The contract status of SPEC §6 (`ingested_files.status`): `pending` while a run holds the file.
    public var status: FileStatus {
        switch self {
        case .claimed, .validated, .partial: return .pending
        case .loaded, .archived: return .loaded
        case .duplicate: return .duplicate
        case .quarantined: return .quarantined
        case .skipped: return .skipped
        }
    }

    /// Whether the row's file is done with: nothing of it is left for a run to do.
    public var isFinal: Bool { successors.isEmpty }
}

/// The status of a file in `ingested_files` (SPEC §6), derived from its `FileState`. `pending` is transient: the
/// file is held by a run that has not finished it.
public enum FileStatus: String, Sendable, Codable, CaseIterable {
    case pending, loaded, duplicate, quarantined, skipped
}

/// A state change the ledger refuses: a bug in a task, never the input's fault.
public struct LedgerError: Error, CustomStringConvertible, Equatable {
    public var fileID: Int64
    public var from: FileState
    public var to: FileState
    public init(fileID: Int64, from: FileState, to: FileState) {
        self.fileID = fileID
        self.from = from
        self.to = to
    }
    public var description: String { "file \(fileID): the ledger does not allow \(from.rawValue) → \(to.rawValue)" }
}

/// A new row: a file just claimed from the inbox, or a zip entry about to be read.
public struct ClaimedFile: Sendable, Equatable {
    /// Where it was found, relative to the inbox (for a zip entry: the zip's path).
    public var originalPath: String
    /// The entry's name inside its zip; nil for a plain file.
    public var entryName: String?
    /// The zip's row, for an entry.
    public var parentID: Int64?
    public var userKey: String
    public var runID: String
    /// Where the file is now, relative to the workspace (for an entry: its zip's location).
    public var path: String
    public var bytes: Int64
    public var sha256: String
    /// Deaths already counted against it (1 for a zip entry, claimed just before it is read).
    public var attempts: Int
    public init(originalPath: String, entryName: String? = nil, parentID: Int64? = nil, userKey: String, runID: String,
                path: String, bytes: Int64, sha256: String = "", attempts: Int = 0) {
        self.attempts = attempts
        self.originalPath = originalPath
        self.entryName = entryName
        self.parentID = parentID
        self.userKey = userKey
        self.runID = runID
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// A row's move to a new state. Fields left nil keep their value.
public struct FileUpdate: Sendable, Equatable {
    public var id: Int64
    public var state: FileState
    public var path: String?
    public var reason: String??
    public var sha256: String?
    public var layout: PolarLayout?
    public var stagedPath: String?
    public var runID: String?
    /// The file shard of a validated file (`ShardCutter`).
    public var shard: Int?
    public init(id: Int64, state: FileState, path: String? = nil, reason: String?? = nil, sha256: String? = nil,
                layout: PolarLayout? = nil, stagedPath: String? = nil, runID: String? = nil, shard: Int? = nil) {
        self.shard = shard
        self.id = id
        self.state = state
        self.path = path
        self.reason = reason
        self.sha256 = sha256
        self.layout = layout
        self.stagedPath = stagedPath
        self.runID = runID
    }
}

/// One row of the ledger.
public struct FileRecord: Sendable, Equatable {
    public var id: Int64
    public var sha256: String
    /// Where the file is now, relative to the workspace (for a zip entry: its zip's location).
    public var path: String
    /// Where it was found, relative to the inbox (for a zip entry: the zip's path).
    public var originalPath: String
    public var entryName: String?
    public var parentID: Int64?
    public var userKey: String
    public var userID: Int64?
    public var runID: String
    public var state: FileState
    public var reason: String?
    public var layout: PolarLayout?
    public var bytes: Int64
    /// Location of the decoded session under `staging/`, relative to the workspace.
    public var stagedPath: String?
    /// How many tries of a task were working on this file when their process died since the row last changed
    /// state (see `PoisonPill`).
    public var attempts: Int
    /// The file shard of its run that the mapped tasks work on it in (nil until it is validated).
    public var shard: Int?

    public var status: FileStatus { state.status }
    /// Whether the row is a plain file or a zip (a file of its own on disk), not a zip entry.
    public var isOnDisk: Bool { parentID == nil }
    /// The inbox path and entry, for messages (`ann/export.zip: training-session-1.json`).
    public var displayName: String { entryName.map { "\(originalPath): \($0)" } ?? originalPath }

    public init(id: Int64, sha256: String, path: String, originalPath: String, entryName: String? = nil, parentID: Int64? = nil,
                userKey: String, userID: Int64?, runID: String, state: FileState, reason: String?, layout: PolarLayout?,
                bytes: Int64, stagedPath: String?, attempts: Int = 0, shard: Int? = nil) {
        self.id = id
        self.shard = shard
        self.sha256 = sha256
        self.path = path
        self.originalPath = originalPath
        self.entryName = entryName
        self.parentID = parentID
        self.userKey = userKey
        self.userID = userID
        self.runID = runID
        self.state = state
        self.reason = reason
        self.layout = layout
        self.bytes = bytes
        self.stagedPath = stagedPath
        self.attempts = attempts
    }
}

/// What the pipeline needs of the ledger's storage. The rules (which moves are allowed, what a status is) are
/// `FileState`'s; a backend stores rows and checks each update against the row's current state in the same
/// transaction (`FileState.canMove`).
public protocol LedgerStore: Sendable {
    /// Inserts the files as `claimed` in one transaction; returns their ids, in order.
    func claimFiles(_ files: [ClaimedFile]) async throws -> [Int64]
    /// Moves rows to new states in one transaction; throws `LedgerError` (and writes nothing) when one move is not
    /// allowed. A row that changes state starts counting its `attempts` from 0 again.
    func updateFiles(_ updates: [FileUpdate]) async throws
    /// Deletes `claimed` rows whose file was given back to the inbox (or never taken); a zip's row with entries stays.
    func forgetClaims(_ ids: [Int64]) async throws
    /// Adds `delta` to the rows' `attempts` (in flight: +1 before a file is worked on alone, −1 when the try ended
    /// or threw instead of dying).
    func addAttempts(_ ids: [Int64], _ delta: Int) async throws
    /// The file claimed as `claimID` is the zip of the `partial` row `partialID`: in one transaction the partial row
    /// takes the claim's run and location (`path`) and becomes `claimed` again, and the claim's row is deleted.
    func adoptClaim(_ claimID: Int64, into partialID: Int64, path: String) async throws
    func files(runID: String) async throws -> [FileRecord]
    /// Up to `limit` rows of a run with ids above `afterID`, in id order (`forEachFilePage`).
    func files(runID: String, afterID: Int64, limit: Int) async throws -> [FileRecord]
    /// The ids of the run's rows that have entries in the run: the zips it read.
    func archiveIDs(runID: String) async throws -> Set<Int64>
    /// How many file shards the run's rows were cut into (the highest shard + 1; 0 when none).
    func fileShardCount(runID: String) async throws -> Int
    /// The rows of one file shard of a run.
    func files(runID: String, shard: Int) async throws -> [FileRecord]
    /// The user keys of a run's sharded (validated) rows, sorted, each once.
    func shardedUserKeys(runID: String) async throws -> [String]
    func file(id: Int64) async throws -> FileRecord?
    /// The entries recorded for a zip's row, in any run.
    func entries(ofArchive id: Int64) async throws -> [FileRecord]
    /// A zip that an earlier run left `partial`, by its content hash.
    func partialArchive(sha256: String, userKey: String) async throws -> FileRecord?
    /// The id of a loaded file with these bytes, if any.
    func fileID(loadedSHA256 sha256: String) async throws -> Int64?
    /// The id of a skipped file (activity, sleep, … of an export) with these bytes, if any.
    func fileID(skippedSHA256 sha256: String) async throws -> Int64?
    /// Sets the files' users in one transaction.
    func setFileUsers(_ users: [(fileID: Int64, userID: Int64)]) async throws
    /// How many files are in each status (one query, for `/metrics`).
    func fileCounts() async throws -> [FileStatus: Int]
}

extension LedgerStore {
    /// Inserts `file` as `claimed`; returns its id.
    public func claimFile(_ file: ClaimedFile) async throws -> Int64 {
        guard let id = try await claimFiles([file]).first else { throw LedgerError(fileID: 0, from: .claimed, to: .claimed) }
        return id
    }
    public func updateFile(_ update: FileUpdate) async throws { try await updateFiles([update]) }
    public func setFileUser(id: Int64, userID: Int64) async throws { try await setFileUsers([(id, userID)]) }
}

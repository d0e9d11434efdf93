/// What the pipeline needs from a database. Implemented by the SQLite store (embedded default); tasks, the DAG
/// runner and reports only talk to this protocol. All times are UTC epoch milliseconds.
public protocol PipelineStore: RunRecorder {
    // MARK: Runs and the run lease
    func createRun(_ runID: String, startedAt: Int64, trigger: String) async throws
    func run(_ runID: String) async throws -> RunRecord?
    func runs(limit: Int) async throws -> [RunRecord]
    func finishRun(_ runID: String, state: RunState, endedAt: Int64, summary: String?) async throws
    func taskInstances(runID: String) async throws -> [TaskInstanceRecord]
    /// How many runs are in each state and files in each status (one query each, for `/metrics`).
    func runCounts() async throws -> [RunState: Int]
    func fileCounts() async throws -> [FileStatus: Int]
    /// Takes the one-active-run lease for `runID` unless another live holder has it; returns the holder that
    /// blocks, or nil when the lease is now ours. `isStale` decides whether an unexpired holder is dead.
    func acquireLease(runID: String, owner: LeaseOwner, now: Int64, ttlMillis: Int64,
                      isStale: @Sendable (LeaseHolder) -> Bool) async throws -> LeaseHolder?
    func renewLease(runID: String, now: Int64, ttlMillis: Int64) async throws
    func releaseLease(runID: String) async throws

    // MARK: Files
    func fileID(loadedSHA256 sha256: String) async throws -> Int64?
    func insertFile(_ file: NewFile) async throws -> Int64
    func files(runID: String) async throws -> [FileRecord]
    /// Updates the files' rows in one transaction.
    func updateFiles(_ updates: [FileUpdate]) async throws
    /// Sets the files' users in one transaction.
    func setFileUsers(_ users: [(fileID: Int64, userID: Int64)]) async throws

    // MARK: Users
    func user(key: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    /// Inserts the user or updates its physical information when it differs; returns the id and whether
    /// anything was written.
    func upsertUser(key: String, physical: PhysicalInformation?, polarUserID: String?, now: Int64) async throws -> (id: Int64, changed: Bool)

    // MARK: Exercises and samples
    /// `extract_exercise_metadata` for a chunk of files, in one transaction and in order. For each file: an
    /// exercise is a duplicate when another file has an exercise of the same user and sport whose UTC start is within
    /// `toleranceMillis` (files earlier in the chunk included); the file's exercises are replaced (idempotent) by the
    /// others; the file becomes `loaded`, or `duplicate` (reason `duplicate-exercise`) when every exercise was one.
    func recordExercises(runID: String, toleranceMillis: Int64, _ files: [FileExercises]) async throws -> [RecordedExercises]
    func exercises(runID: String) async throws -> [ExerciseRecord]
    func exercise(id: Int64) async throws -> ExerciseRecord?
    func allExerciseIDs() async throws -> [Int64]
    /// Replaces the HR samples of each exercise (idempotent) and records how many were rejected.
    func replaceHeartRateSamples(_ batch: [(exerciseID: Int64, samples: SampleSeries, rejected: Int)]) async throws
    /// Replaces the route points of each exercise (idempotent) and records how many were rejected.
    func replaceRoutePoints(_ batch: [(exerciseID: Int64, route: RouteSeries, rejected: Int)]) async throws
    /// The stored samples of an exercise (HR, route and the other channels).
    func samples(exerciseID: Int64) async throws -> ExerciseSamples

    // MARK: Statistics
    func upsertExerciseStatistics(_ batch: [(exerciseID: Int64, stats: ExerciseStatistics)]) async throws
    func exerciseStatistics(exerciseID: Int64) async throws -> ExerciseStatistics?
    func exerciseSummaries(userID: Int64) async throws -> [ExerciseSummary]
    func upsertUserStatistics(userID: Int64, _ stats: UserStatistics, computedAt: Int64) async throws
    func userStatistics(userID: Int64) async throws -> UserStatistics?
    func computeGlobalStatistics() async throws -> GlobalStatistics
    func insertGlobalStatistics(runID: String, computedAt: Int64, _ stats: GlobalStatistics) async throws
    func latestGlobalStatistics() async throws -> GlobalStatistics?
    func recentExercises(userID: Int64, limit: Int) async throws -> [ExerciseOverview]
    /// Every loaded exercise with statistics, for weekly trends.
    func allExerciseSummaries() async throws -> [(userID: Int64, summary: ExerciseSummary)]
    func replaceUserWeekly(userID: Int64, _ weeks: [WeeklyTotals]) async throws
    func replaceUserDailyLoad(userID: Int64, _ days: [DailyLoad]) async throws
    func replaceGlobalWeekly(_ weeks: [WeeklyTotals]) async throws
    /// Exercises (with statistics) starting in `[fromUTCMillis, toUTCMillis)`.
    func exerciseSummaries(fromUTCMillis: Int64, toUTCMillis: Int64) async throws -> [(userID: Int64, summary: ExerciseSummary)]
    /// Replaces the global weekly rows of the given weeks only.
    func upsertGlobalWeekly(_ weeks: [WeeklyTotals], clearing labels: Set<String>) async throws
    func userWeekly(userID: Int64) async throws -> [WeeklyTotals]
    func userDailyLoad(userID: Int64) async throws -> [DailyLoad]
    func globalWeekly() async throws -> [WeeklyTotals]
    func replaceUserRecords(userID: Int64, _ records: [PersonalRecord]) async throws
    func userRecords(userID: Int64) async throws -> [PersonalRecord]
    func splits(exerciseID: Int64) async throws -> [Split]
}

extension PipelineStore {
    public func updateFile(id: Int64, status: FileStatus, path: String, reason: String?) async throws {
        try await updateFiles([FileUpdate(id: id, status: status, path: path, reason: reason)])
    }

    public func setFileUser(id: Int64, userID: Int64) async throws {
        try await setFileUsers([(id, userID)])
    }
}

/// Records task instances; the DAG runner's only dependency on storage.
public protocol RunRecorder: Sendable {
    /// Creates or updates the row of one try of a task.
    func recordTask(_ instance: TaskInstanceRecord) async throws
}

public enum RunState: String, Sendable, Codable {
    case running, success, failed
}

public struct RunRecord: Sendable, Codable, Equatable {
    public var runID: String
    public var state: RunState
    public var startedAt: Int64
    public var endedAt: Int64?
    public var trigger: String
    public var summary: String?
    public init(runID: String, state: RunState, startedAt: Int64, endedAt: Int64?, trigger: String, summary: String?) {
        self.runID = runID
        self.state = state
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.trigger = trigger
        self.summary = summary
    }
}

public struct TaskInstanceRecord: Sendable, Codable, Equatable {
    public var runID: String
    public var taskID: String
    public var tryNumber: Int
    public var state: TaskState
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var error: String?
    /// JSON object of counts (`{"files":3,"exercises":3}`).
    public var output: String?
    public init(runID: String, taskID: String, tryNumber: Int, state: TaskState, startedAt: Int64? = nil,
                endedAt: Int64? = nil, error: String? = nil, output: String? = nil) {
        self.runID = runID
        self.taskID = taskID
        self.tryNumber = tryNumber
        self.state = state
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.output = output
    }
}

/// Who asks for the run lease.
public struct LeaseOwner: Sendable, Equatable {
    public var pid: Int32
    public var host: String
    public init(pid: Int32, host: String) {
        self.pid = pid
        self.host = host
    }
}

/// The current holder of the run lease.
public struct LeaseHolder: Sendable, Equatable {
    public var runID: String
    public var owner: LeaseOwner
    public var acquiredAt: Int64
    public var expiresAt: Int64
    public init(runID: String, owner: LeaseOwner, acquiredAt: Int64, expiresAt: Int64) {
        self.runID = runID
        self.owner = owner
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
    }
}

/// The status of a file in `ingested_files`. `pending` is transient: the file is claimed by a run that has not
/// yet loaded it.
public enum FileStatus: String, Sendable, Codable {
    case pending, loaded, duplicate, quarantined
}

public struct NewFile: Sendable {
    public var sha256: String
    /// Where the file is now, relative to the workspace.
    public var path: String
    /// Where it was found, relative to the inbox.
    public var originalPath: String
    public var userKey: String
    public var runID: String
    public var status: FileStatus
    public var reason: String?
    public var layout: PolarLayout?
    public var bytes: Int64
    /// Location of the decoded session under `staging/`, relative to the workspace.
    public var stagedPath: String?
    public init(sha256: String, path: String, originalPath: String, userKey: String, runID: String, status: FileStatus,
                reason: String? = nil, layout: PolarLayout? = nil, bytes: Int64, stagedPath: String? = nil) {
        self.sha256 = sha256
        self.path = path
        self.originalPath = originalPath
        self.userKey = userKey
        self.runID = runID
        self.status = status
        self.reason = reason
        self.layout = layout
        self.bytes = bytes
        self.stagedPath = stagedPath
    }
}

/// A file row's new status, location and reason.
public struct FileUpdate: Sendable, Equatable {
    public var id: Int64
    public var status: FileStatus
    public var path: String
    public var reason: String?
    public init(id: Int64, status: FileStatus, path: String, reason: String?) {
        self.id = id
        self.status = status
        self.path = path
        self.reason = reason
    }
}

public struct FileRecord: Sendable, Equatable {
    public var id: Int64
    public var sha256: String
    public var path: String
    public var originalPath: String
    public var userKey: String
    public var userID: Int64?
    public var runID: String
    public var status: FileStatus
    public var reason: String?
    public var layout: PolarLayout?
    public var bytes: Int64
    public var stagedPath: String?
    public init(id: Int64, sha256: String, path: String, originalPath: String, userKey: String, userID: Int64?,
                runID: String, status: FileStatus, reason: String?, layout: PolarLayout?, bytes: Int64, stagedPath: String?) {
        self.id = id
        self.sha256 = sha256
        self.path = path
        self.originalPath = originalPath
        self.userKey = userKey
        self.userID = userID
        self.runID = runID
        self.status = status
        self.reason = reason
        self.layout = layout
        self.bytes = bytes
        self.stagedPath = stagedPath
    }
}

public struct UserRecord: Sendable, Equatable {
    public var id: Int64
    public var userKey: String
    public var polarUserID: String?
    public var physical: PhysicalInformation
    public var updatedAt: Int64
    public init(id: Int64, userKey: String, polarUserID: String?, physical: PhysicalInformation, updatedAt: Int64) {
        self.id = id
        self.userKey = userKey
        self.polarUserID = polarUserID
        self.physical = physical
        self.updatedAt = updatedAt
    }
}

/// An exercise to insert: the decoded exercise (its samples are loaded by the load tasks) and its position.
public struct NewExercise: Sendable {
    public var index: Int
    public var exercise: Exercise
    public var deviceID: String?
    /// The session's physical information.
    public var physical: PhysicalInformation?
    public init(index: Int, exercise: Exercise, deviceID: String?, physical: PhysicalInformation? = nil) {
        self.physical = physical
        self.index = index
        self.exercise = exercise
        self.deviceID = deviceID
    }
}

/// One valid file's exercises, for `PipelineStore.recordExercises`.
public struct FileExercises: Sendable {
    public var fileID: Int64
    public var userID: Int64
    public var layout: PolarLayout
    /// Every exercise of the file, duplicates included.
    public var exercises: [NewExercise]
    public init(fileID: Int64, userID: Int64, layout: PolarLayout, exercises: [NewExercise]) {
        self.fileID = fileID
        self.userID = userID
        self.layout = layout
        self.exercises = exercises
    }
}

/// What `recordExercises` did with one file: the ids of its inserted exercises, in order, and how many of its
/// exercises were duplicates.
public struct RecordedExercises: Sendable, Equatable {
    public var ids: [Int64]
    public var duplicates: Int
    public init(ids: [Int64], duplicates: Int) {
        self.ids = ids
        self.duplicates = duplicates
    }
}

public struct ExerciseRecord: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var fileID: Int64
    public var exerciseIndex: Int
    public var sport: String
    public var startUTCMillis: Int64
    public var tzOffsetMinutes: Int?
    public var durationS: Double
    public var distanceM: Double?
    public var calories: Double?
    /// The session's physical information (max and resting HR, sex, birthday), when the file had it.
    public var physical: PhysicalInformation?
    public init(id: Int64, userID: Int64, fileID: Int64, exerciseIndex: Int, sport: String, startUTCMillis: Int64,
                tzOffsetMinutes: Int?, durationS: Double, distanceM: Double?, calories: Double?, physical: PhysicalInformation? = nil) {
        self.physical = physical
        self.id = id
        self.userID = userID
        self.fileID = fileID
        self.exerciseIndex = exerciseIndex
        self.sport = sport
        self.startUTCMillis = startUTCMillis
        self.tzOffsetMinutes = tzOffsetMinutes
        self.durationS = durationS
        self.distanceM = distanceM
        self.calories = calories
    }
}

/// An exercise with its statistics, for reports.
public struct ExerciseOverview: Sendable, Equatable {
    public var exercise: ExerciseRecord
    public var stats: ExerciseStatistics?
    public init(exercise: ExerciseRecord, stats: ExerciseStatistics?) {
        self.exercise = exercise
        self.stats = stats
    }
}

/// What the pipeline needs from a database: the small stores below, one per concern. Implemented by the SQLite
/// store (embedded default) and the PostgreSQL store; tasks, the DAG runner and reports only talk to these
/// protocols. All times are UTC epoch milliseconds.
public protocol PipelineStore: RunStore, LedgerStore, ExerciseStore, StatisticsStore, ReportQueryStore {
    /// This store for a run that holds the lease with `fence`'s token: each of its writes (runs, task instances,
    /// the ledger, users, exercises, samples, statistics) first checks, in its own transaction, that the lease still
    /// has that token, and throws `LeaseFence.Fenced` without changing anything when it has not. Reads and the lease
    /// itself (`updateLease`) are not fenced.
    func fenced(by fence: LeaseFence) -> any PipelineStore
}

/// Runs, their task instances and the one-active-run lease.
public protocol RunStore: RunRecorder {
    func createRun(_ runID: String, startedAt: Int64, trigger: String) async throws
    func run(_ runID: String) async throws -> RunRecord?
    func runs(limit: Int) async throws -> [RunRecord]
    func finishRun(_ runID: String, state: RunState, endedAt: Int64, summary: String?) async throws
    func taskInstances(runID: String) async throws -> [TaskInstanceRecord]
    /// How many runs are in each state (one query, for `/metrics`).
    func runCounts() async throws -> [RunState: Int]
    /// Reads the lease, lets `decide` choose (`RunLease.decide`), and writes what it chose, in one transaction.
    func updateLease(_ decide: @Sendable (LeaseHolder?) -> RunLease.Decision) async throws -> RunLease.Decision
    /// The current holder of the lease, if any (a released lease is none).
    func currentLease() async throws -> LeaseHolder?
}

/// Users, exercises and their samples.
public protocol ExerciseStore: Sendable {
    func user(key: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    /// Inserts the user or updates its physical information when it differs; returns the id and whether
    /// anything was written.
    func upsertUser(key: String, physical: PhysicalInformation?, polarUserID: String?, now: Int64) async throws -> (id: Int64, changed: Bool)

    /// `extract_exercise_metadata` for a chunk of files, in one transaction and in order. For each exercise the store
    /// reads the user's exercises of other files that start within `DuplicateExercise.searchWindowMillis` (files
    /// earlier in the chunk included) and applies `DuplicateExercise.decide`: a duplicate is skipped, a richer copy
    /// deletes the poorer ones. The file's exercises are then replaced (idempotent) by those to store. The files'
    /// ledger states are the caller's (`FileState`).
    func recordExercises(runID: String, toleranceMillis: Int64, _ files: [FileExercises]) async throws -> [RecordedExercises]
    func exercises(runID: String) async throws -> [ExerciseRecord]
    /// Up to `limit` exercises of a run with ids above `afterID`, in id order (`forEachExercisePage`).
    func exercises(runID: String, afterID: Int64, limit: Int) async throws -> [ExerciseRecord]
    func exerciseCount(runID: String) async throws -> Int
    /// The exercises a run stored from the files of one of its file shards.
    func exercises(runID: String, fileShard: Int) async throws -> [ExerciseRecord]
    /// The users of the exercises a run stored, each once.
    func exerciseUserIDs(runID: String) async throws -> [Int64]
    func exercise(id: Int64) async throws -> ExerciseRecord?
    func allExerciseIDs() async throws -> [Int64]
    /// Replaces the HR samples of each exercise (idempotent) and records how many were rejected.
    func replaceHeartRateSamples(_ batch: [(exerciseID: Int64, samples: SampleSeries, rejected: Int)]) async throws
    /// Replaces the route points of each exercise (idempotent) and records how many were rejected.
    func replaceRoutePoints(_ batch: [(exerciseID: Int64, route: RouteSeries, rejected: Int)]) async throws
    /// The stored samples of an exercise (HR, route and the other channels).
    func samples(exerciseID: Int64) async throws -> ExerciseSamples
}

/// Per-exercise, per-user and global statistics.
public protocol StatisticsStore: Sendable {
    func upsertExerciseStatistics(_ batch: [(exerciseID: Int64, stats: ExerciseStatistics)]) async throws
    func exerciseStatistics(exerciseID: Int64) async throws -> ExerciseStatistics?
    /// Each exercise of the user that has statistics, with the physiology they were computed with
    /// (`ExerciseStatistics.profile`), so that a change of the user's physical information finds what it makes stale.
    func statisticsProfiles(userID: Int64) async throws -> [(exercise: ExerciseRecord, profile: HeartRateProfile?)]
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

extension TaskInstanceRecord {
    public var key: TaskInstanceKey { TaskInstanceKey(taskID, mapIndex) }

    /// The last try of each instance among one run's rows. A mapped task's row with map index −1 (recorded when the
    /// task was blocked before it was expanded) gives way once the task has instances of its own.
    public static func latest(_ rows: [TaskInstanceRecord]) -> [TaskInstanceKey: TaskInstanceRecord] {
        var latest: [TaskInstanceKey: TaskInstanceRecord] = [:]
        for row in rows where latest[row.key].map({ $0.tryNumber <= row.tryNumber }) ?? true { latest[row.key] = row }
        let mapped = Set(latest.keys.filter { $0.mapIndex >= 0 }.map(\.taskID))
        return latest.filter { $0.key.mapIndex >= 0 || !mapped.contains($0.key.taskID) }
    }

    /// The last tries of one task's instances (one row for a task that is not mapped), by map index.
    public static func latest(_ rows: [TaskInstanceRecord], task taskID: String) -> [TaskInstanceRecord] {
        latest(rows.filter { $0.taskID == taskID }).values.sorted { $0.mapIndex < $1.mapIndex }
    }
}

public struct TaskInstanceRecord: Sendable, Codable, Equatable {
    public var runID: String
    public var taskID: String
    /// The instance of a mapped task (0 …), −1 for a task that is not mapped (as Airflow's `map_index`).
    public var mapIndex: Int
    public var tryNumber: Int
    public var state: TaskState
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var error: String?
    /// JSON object of counts (`{"files":3,"exercises":3}`).
    public var output: String?
    public init(runID: String, taskID: String, mapIndex: Int = -1, tryNumber: Int, state: TaskState, startedAt: Int64? = nil,
                endedAt: Int64? = nil, error: String? = nil, output: String? = nil) {
        self.runID = runID
        self.taskID = taskID
        self.mapIndex = mapIndex
        self.tryNumber = tryNumber
        self.state = state
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.output = output
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

/// What `recordExercises` did with one file: the ids of its inserted exercises, in order, how many of its
/// exercises were duplicates, and how many stored exercises (of other files) they replaced as richer copies.
public struct RecordedExercises: Sendable, Equatable {
    public var ids: [Int64]
    public var duplicates: Int
    public var replaced: Int
    public init(ids: [Int64], duplicates: Int, replaced: Int = 0) {
        self.ids = ids
        self.duplicates = duplicates
        self.replaced = replaced
    }

    /// A file's exercises sorted by their `ExerciseDecision`s (the stores' common step).
    public struct Plan {
        public var stored: [NewExercise] = []
        public var replacedIDs: [Int64] = []
        public var duplicates = 0
        public init(_ exercises: [NewExercise], _ decisions: [ExerciseDecision]) {
            for (item, decision) in zip(exercises, decisions) {
                switch decision {
                case .insert: stored.append(item)
                case .duplicate: duplicates += 1
                case .replace(let ids):
                    stored.append(item)
                    replacedIDs += ids.filter { !replacedIDs.contains($0) }
                }
            }
        }
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
    /// The heart-rate zone limits the file stated for the exercise (`exercises.hr_zone_limits`).
    public var heartRateZones: HeartRateZoneLimits?
    public init(id: Int64, userID: Int64, fileID: Int64, exerciseIndex: Int, sport: String, startUTCMillis: Int64,
                tzOffsetMinutes: Int?, durationS: Double, distanceM: Double?, calories: Double?, physical: PhysicalInformation? = nil,
                heartRateZones: HeartRateZoneLimits? = nil) {
        self.physical = physical
        self.heartRateZones = heartRateZones
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

import Foundation

/// The JSON shapes of `polarpipe runs --json`, `polarpipe stats --json` and the service's read API. Keys are the
/// database's snake_case column names; times are UTC text (`2024-05-01T07:00:00.000Z`).
public enum RunHistoryJSON {
    public struct Task: Encodable, Sendable {
        /// `map_index`: the shard of a mapped task's instance, −1 for a task that is not mapped (as in Airflow).
        public var task_id: String, map_index: Int, try_number: Int, state: String
        public var started_at: String?, ended_at: String?, error: String?, output: String?
    }
    public struct Run: Encodable, Sendable {
        public var run_id: String, state: String, started_at: String, ended_at: String?, trigger: String
        /// The run's counts (`validate_json_files.valid`: 12, …), an object: the stored text decoded.
        public var summary: [String: Int]?
        public var tasks: [Task]?
        /// What the run did with each user's files (`runs show`, `GET /api/v1/runs/{id}`).
        public var `import`: ImportReport?
        public init(_ r: RunRecord, tasks: [TaskInstanceRecord]?, importReport: ImportReport? = nil) {
            run_id = r.runID
            state = r.state.rawValue
            started_at = PolarTime.formatUTC(millis: r.startedAt)
            ended_at = r.endedAt.map(PolarTime.formatUTC)
            trigger = r.trigger
            summary = r.summary.flatMap { try? JSONDecoder().decode([String: Int].self, from: Data($0.utf8)) }
            `import` = importReport
            self.tasks = tasks?.map {
                Task(task_id: $0.taskID, map_index: $0.mapIndex, try_number: $0.tryNumber, state: $0.state.rawValue,
                     started_at: $0.startedAt.map(PolarTime.formatUTC), ended_at: $0.endedAt.map(PolarTime.formatUTC),
                     error: $0.error, output: $0.output)
            }
        }
    }

    /// Pretty-printed JSON with sorted keys.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }

    public static func data<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// One row of a weekly table (`user_weekly_statistics`, `global_weekly_statistics`).
public struct WeekJSON: Encodable, Sendable {
    public var week: String, exercises: Int, distance_m: Double, duration_s: Double?, trimp: Double?, active_users: Int?
}

/// `stats user KEY --json` and `GET /api/v1/users/{key}/statistics`.
public struct UserJSON: Encodable, Sendable {
    /// `records`: the best of each record over all sports (power records left out); `records_by_sport`: each sport's
    /// own stored records (`user_records`), power records (`best_power_5s` … `best_power_20min`, `best_np`, W) among
    /// them for sports with power.
    public var statistics: UserStatistics, weekly: [WeekJSON], records: [String: Double], records_by_sport: [String: [String: Double]]
    public var fitness: Double?, fatigue: Double?, form: Double?

    /// The statistics of a user, or nil when none were computed yet.
    public static func load(userID: Int64, store: any PipelineStore) async throws -> UserJSON? {
        guard let s = try await store.userStatistics(userID: userID) else { return nil }
        let weeks = try await store.userWeekly(userID: userID)
        let records = try await store.userRecords(userID: userID)
        let load = try await store.userDailyLoad(userID: userID).last
        return UserJSON(
            statistics: s, weekly: weeks.map { WeekJSON(week: $0.week, exercises: $0.exercises, distance_m: $0.distanceM,
                                                        duration_s: $0.durationS, trimp: $0.trimp, active_users: nil) },
            records: Dictionary(PersonalRecord.overall(records).map { ($0.record, $0.value) }, uniquingKeysWith: { a, _ in a }),
            records_by_sport: Dictionary(grouping: records, by: \.sport).mapValues {
                Dictionary($0.map { ($0.record, $0.value) }, uniquingKeysWith: { a, _ in a })
            },
            fitness: load?.ctl, fatigue: load?.atl, form: load?.tsb)
    }
}

/// `stats global --json` and `GET /api/v1/global/statistics`.
public struct GlobalJSON: Encodable, Sendable {
    public var statistics: GlobalStatistics, weekly: [WeekJSON]

    public static func load(store: any PipelineStore) async throws -> GlobalJSON {
        let g = try await store.computeGlobalStatistics()
        let weeks = try await store.globalWeekly()
        return GlobalJSON(statistics: g, weekly: weeks.map {
            WeekJSON(week: $0.week, exercises: $0.exercises, distance_m: $0.distanceM, duration_s: nil, trimp: nil, active_users: $0.activeUsers)
        })
    }
}

/// One exercise with its statistics (`exercises` and `exercise_statistics` columns), for
/// `GET /api/v1/users/{key}/exercises`.
public struct ExerciseJSON: Encodable, Sendable {
    public var id: Int64, file_id: Int64, sport: String, start_time_utc: String, tz_offset_min: Int?
    public var duration_s: Double, distance_m: Double?, calories: Double?
    public var hr_samples: Int?, hr_min: Double?, hr_max: Double?, hr_avg: Double?, gps_points: Int?
    public var avg_speed_kmh: Double?, pace_min_per_km: Double?, elevation_gain_m: Double?, elevation_loss_m: Double?
    public var moving_time_s: Double?, trimp: Double?

    public init(_ o: ExerciseOverview) {
        let e = o.exercise, s = o.stats
        id = e.id
        file_id = e.fileID
        sport = e.sport
        start_time_utc = PolarTime.formatUTC(millis: e.startUTCMillis)
        tz_offset_min = e.tzOffsetMinutes
        duration_s = e.durationS
        distance_m = s?.distanceM ?? e.distanceM
        calories = e.calories
        hr_samples = s?.hrSamples
        hr_min = s?.hrMin
        hr_max = s?.hrMax
        hr_avg = s?.hrAvg
        gps_points = s?.gpsPoints
        avg_speed_kmh = s?.avgSpeedKmh
        pace_min_per_km = s?.paceMinPerKm
        elevation_gain_m = s?.elevationGainM
        elevation_loss_m = s?.elevationLossM
        moving_time_s = s?.movingTimeS
        trimp = s?.trimp
    }
}

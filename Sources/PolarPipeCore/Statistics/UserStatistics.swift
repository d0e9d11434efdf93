/// What the user statistics need to know of one loaded exercise.
public struct ExerciseSummary: Sendable, Equatable {
    public var sport: String
    public var startUTCMillis: Int64
    public var durationS: Double
    public var distanceM: Double?
    public var calories: Double?
    public var hrSamples: Int
    public var hrSum: Double
    public var trimp: Double?
    public var exerciseID: Int64 = 0
    public var best1kmS: Double?
    public var best5kmS: Double?
    public var best10kmS: Double?
    /// The exercise's best 5 s, 1 min, 5 min and 20 min power and its normalized power, W (nil without power).
    public var best5sW: Double?
    public var best1minW: Double?
    public var best5minW: Double?
    public var best20minW: Double?
    public var normalizedW: Double?
    /// Minutes east of UTC (0 when unknown), for local dates.
    public var tzOffsetMinutes: Int

    /// Days since 1970-01-01 of the exercise's local start date.
    public var localDay: Int { Self.localDay(utcMillis: startUTCMillis, offsetMinutes: tzOffsetMinutes) }

    /// Days since 1970-01-01 of the local date of a UTC instant; the offset is clamped to the ±18 h that exist.
    public static func localDay(utcMillis: Int64, offsetMinutes: Int?) -> Int {
        let offset = Int64(max(-18 * 60, min(18 * 60, offsetMinutes ?? 0)))
        return day(ofLocalMillis: CheckedConversion.saturatingAdd(utcMillis, offset * 60_000))
    }

    /// Days since 1970-01-01 of local epoch milliseconds (rounded down, also before 1970).
    public static func day(ofLocalMillis local: Int64) -> Int {
        Int(local >= 0 ? local / 86_400_000 : (local / 86_400_000) - (local % 86_400_000 == 0 ? 0 : 1))
    }

    public init(sport: String, startUTCMillis: Int64, durationS: Double, distanceM: Double?, calories: Double?,
                hrSamples: Int, hrSum: Double, trimp: Double? = nil, tzOffsetMinutes: Int = 0) {
        self.trimp = trimp
        self.tzOffsetMinutes = tzOffsetMinutes
        self.sport = sport
        self.startUTCMillis = startUTCMillis
        self.durationS = durationS
        self.distanceM = distanceM
        self.calories = calories
        self.hrSamples = hrSamples
        self.hrSum = hrSum
    }
}

/// Per-user statistics (SPEC §4.2).
public struct UserStatistics: Sendable, Codable, Equatable {
    public var totalExercises: Int
    public var totalDistanceM: Double
    public var totalDurationS: Double
    public var totalCalories: Double
    /// Mean over exercises that have a distance; nil when none has.
    public var avgDistanceM: Double?
    public var avgDurationS: Double?
    /// Mean of all valid HR samples of the user's exercises.
    public var avgHR: Double?
    public var totalHRSamples: Int
    public var mostCommonSport: String?
    public var firstExerciseAtMillis: Int64?
    public var lastExerciseAtMillis: Int64?

    /// JSON keys are the `user_statistics` column names.
    enum CodingKeys: String, CodingKey {
        case totalExercises = "total_exercises", totalDistanceM = "total_distance_m", totalDurationS = "total_duration_s"
        case totalCalories = "total_calories", avgDistanceM = "avg_distance_m", avgDurationS = "avg_duration_s", avgHR = "avg_hr"
        case totalHRSamples = "total_hr_samples", mostCommonSport = "most_common_sport"
        case firstExerciseAtMillis = "first_exercise_at_ms", lastExerciseAtMillis = "last_exercise_at_ms"
    }

    public init(totalExercises: Int, totalDistanceM: Double, totalDurationS: Double, totalCalories: Double,
                avgDistanceM: Double? = nil, avgDurationS: Double? = nil, avgHR: Double? = nil, totalHRSamples: Int,
                mostCommonSport: String? = nil, firstExerciseAtMillis: Int64? = nil, lastExerciseAtMillis: Int64? = nil) {
        self.totalExercises = totalExercises
        self.totalDistanceM = totalDistanceM
        self.totalDurationS = totalDurationS
        self.totalCalories = totalCalories
        self.avgDistanceM = avgDistanceM
        self.avgDurationS = avgDurationS
        self.avgHR = avgHR
        self.totalHRSamples = totalHRSamples
        self.mostCommonSport = mostCommonSport
        self.firstExerciseAtMillis = firstExerciseAtMillis
        self.lastExerciseAtMillis = lastExerciseAtMillis
    }

    public static func compute(_ exercises: [ExerciseSummary]) -> UserStatistics {
        var stats = UserStatistics(totalExercises: exercises.count, totalDistanceM: 0, totalDurationS: 0,
                                   totalCalories: 0, totalHRSamples: 0)
        var distanceCount = 0
        var hrSum = 0.0
        var sportCount: [String: Int] = [:]
        var sportDuration: [String: Double] = [:]
        for e in exercises {
            if let d = e.distanceM {
                stats.totalDistanceM += d
                distanceCount += 1
            }
            stats.totalDurationS += e.durationS
            stats.totalCalories += e.calories ?? 0
            stats.totalHRSamples += e.hrSamples
            hrSum += e.hrSum
            sportCount[e.sport, default: 0] += 1
            sportDuration[e.sport, default: 0] += e.durationS
            stats.firstExerciseAtMillis = min(stats.firstExerciseAtMillis ?? e.startUTCMillis, e.startUTCMillis)
            stats.lastExerciseAtMillis = max(stats.lastExerciseAtMillis ?? e.startUTCMillis, e.startUTCMillis)
        }
        if distanceCount > 0 { stats.avgDistanceM = stats.totalDistanceM / Double(distanceCount) }
        if !exercises.isEmpty { stats.avgDurationS = stats.totalDurationS / Double(exercises.count) }
        if stats.totalHRSamples > 0 { stats.avgHR = hrSum / Double(stats.totalHRSamples) }
        stats.mostCommonSport = mostCommonSport(counts: sportCount, durations: sportDuration)
        return stats
    }

    /// Most exercises; a tie goes to the larger total duration, then to the alphabetically first name.
    public static func mostCommonSport(counts: [String: Int], durations: [String: Double]) -> String? {
        counts.keys.min { a, b in
            let (ca, cb) = (counts[a] ?? 0, counts[b] ?? 0)
            if ca != cb { return ca > cb }
            let (da, db) = (durations[a] ?? 0, durations[b] ?? 0)
            if da != db { return da > db }
            return a < b
        }
    }
}

/// Global statistics of one run (SPEC §4.3).
public struct GlobalStatistics: Sendable, Codable, Equatable {
    public var totalUsers: Int
    public var totalExercises: Int
    public var totalDistanceM: Double
    public var totalDurationS: Double
    public var totalCalories: Double
    public var totalHRSamples: Int
    public var totalGPSPoints: Int
    /// Exercises in the 7 days up to the newest exercise, and in the 7 days before those.
    public var exercisesLast7d: Int
    public var exercisesPrev7d: Int
    /// Exercises per sport, most first.
    public var sportDistribution: [SportCount]

    /// JSON keys are the `global_statistics` column names.
    enum CodingKeys: String, CodingKey {
        case totalUsers = "total_users", totalExercises = "total_exercises", totalDistanceM = "total_distance_m"
        case totalDurationS = "total_duration_s", totalCalories = "total_calories", totalHRSamples = "total_hr_samples"
        case totalGPSPoints = "total_gps_points", exercisesLast7d = "exercises_last_7d", exercisesPrev7d = "exercises_prev_7d"
        case sportDistribution = "sport_distribution"
    }

    public init(totalUsers: Int = 0, totalExercises: Int = 0, totalDistanceM: Double = 0, totalDurationS: Double = 0,
                totalCalories: Double = 0, totalHRSamples: Int = 0, totalGPSPoints: Int = 0, exercisesLast7d: Int = 0,
                exercisesPrev7d: Int = 0, sportDistribution: [SportCount] = []) {
        self.totalUsers = totalUsers
        self.totalExercises = totalExercises
        self.totalDistanceM = totalDistanceM
        self.totalDurationS = totalDurationS
        self.totalCalories = totalCalories
        self.totalHRSamples = totalHRSamples
        self.totalGPSPoints = totalGPSPoints
        self.exercisesLast7d = exercisesLast7d
        self.exercisesPrev7d = exercisesPrev7d
        self.sportDistribution = sportDistribution
    }
}

public struct SportCount: Sendable, Codable, Equatable {
    public var sport: String
    public var exercises: Int
    public init(sport: String, exercises: Int) {
        self.sport = sport
        self.exercises = exercises
    }
}

/// A user's personal records, per sport.
public struct PersonalRecord: Sendable, Equatable {
    /// The sport the record belongs to (a normalised sport name such as `RUNNING`).
    public var sport: String
    /// `longest_distance` (m), `longest_duration` (s), `fastest_1km`, `fastest_5km`, `fastest_10km` (s),
    /// `best_power_5s`, `best_power_1min`, `best_power_5min`, `best_power_20min`, `best_np` (W).
    public var record: String
    public var value: Double
    public var exerciseID: Int64
    public var achievedAtMillis: Int64
    public init(sport: String, record: String, value: Double, exerciseID: Int64, achievedAtMillis: Int64) {
        self.sport = sport
        self.record = record
        self.value = value
        self.exerciseID = exerciseID
        self.achievedAtMillis = achievedAtMillis
    }

    /// Whether a smaller value is better (the fastest efforts) rather than a larger one (the longest, the most power).
    public var smallerIsBetter: Bool { record.hasPrefix("fastest_") }

    /// For each sport: longest distance and duration; for sports on foot also the fastest 1, 5 and 10 km found inside
    /// exercises (a bike ride sets no fastest kilometre); for sports with power the best 5 s, 1 min, 5 min and 20 min
    /// power and the best normalized power (`PowerRecords.names`; a sport none of whose exercises has power has none).
    /// The earliest exercise wins a tie. Sorted by sport, then distance and time records, then power.
    public static func compute(_ exercises: [ExerciseSummary]) -> [PersonalRecord] {
        let bySport = Dictionary(grouping: exercises, by: \.sport)
        return bySport.keys.sorted().flatMap { sport -> [PersonalRecord] in
            let sorted = (bySport[sport] ?? []).sorted { ($0.startUTCMillis, $0.exerciseID) < ($1.startUTCMillis, $1.exerciseID) }
            func best(_ name: String, _ value: (ExerciseSummary) -> Double?, larger: Bool) -> PersonalRecord? {
                var winner: (Double, ExerciseSummary)?
                for e in sorted {
                    guard let v = value(e), v.isFinite, v > 0 else { continue }
                    if let w = winner, larger ? v <= w.0 : v >= w.0 { continue }
                    winner = (v, e)
                }
                return winner.map { PersonalRecord(sport: sport, record: name, value: $0.0, exerciseID: $0.1.exerciseID,
                                                   achievedAtMillis: $0.1.startUTCMillis) }
            }
            var records = [best("longest_distance", { $0.distanceM }, larger: true), best("longest_duration", { $0.durationS }, larger: true)]
            if SportKind(sport: sport) == .onFoot {
                records += [best("fastest_1km", { $0.best1kmS }, larger: false), best("fastest_5km", { $0.best5kmS }, larger: false),
                            best("fastest_10km", { $0.best10kmS }, larger: false)]
            }
            records += PowerRecords.names.map { name in best(name.record, { PowerRecords.value(name.record, $0) }, larger: true) }
            return records.compactMap { $0 }
        }
    }

    /// The best of each record over all sports (the larger longest, the smaller fastest; the earlier on a tie). Power
    /// records stay with their sport and are left out: a running power and a cycling power are not one measure.
    public static func overall(_ records: [PersonalRecord]) -> [PersonalRecord] {
        var best: [String: PersonalRecord] = [:]
        for r in records where !PowerRecords.isPower(r.record) {
            if let b = best[r.record] {
                let better = r.smallerIsBetter ? r.value < b.value : r.value > b.value
                let tieEarlier = r.value == b.value && r.achievedAtMillis < b.achievedAtMillis
                guard better || tieEarlier else { continue }
            }
            best[r.record] = r
        }
        return best.values.sorted { $0.record < $1.record }
    }
}

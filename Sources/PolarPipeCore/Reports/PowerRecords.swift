/// A user's power records per sport, derived from the stored statistics of their exercises (`exercise_statistics`'
/// best-power and normalized-power columns): the best 5 s, 1 min, 5 min and 20 min power and the best normalized
/// power of any exercise of the sport. The earliest exercise wins a tie. Sports without power have none.
public enum PowerRecords {
    /// Record names (as `PersonalRecord.record`), in the order pages list them, with their words.
    public static let names: [(record: String, title: String)] = [
        ("best_power_5s", "Best 5 s power"), ("best_power_1min", "Best 1 min power"), ("best_power_5min", "Best 5 min power"),
        ("best_power_20min", "Best 20 min power"), ("best_np", "Best normalized power"),
    ]

    static func value(_ record: String, _ p: PowerStatistics) -> Double? {
        switch record {
        case "best_power_5s": p.best5sW
        case "best_power_1min": p.best1minW
        case "best_power_5min": p.best5minW
        case "best_power_20min": p.best20minW
        case "best_np": p.normalizedW
        default: nil
        }
    }

    /// Whether `record` is one of these (its value is in watts).
    public static func isPower(_ record: String) -> Bool { names.contains { $0.record == record } }

    /// The records of `exercises` (any order), sorted by sport, then in the order of `names`.
    public static func compute(_ exercises: [ExerciseOverview]) -> [PersonalRecord] {
        let withPower = exercises.filter { $0.stats?.power?.avgW != nil }
        let bySport = Dictionary(grouping: withPower, by: \.exercise.sport)
        return bySport.keys.sorted().flatMap { sport in
            let sorted = (bySport[sport] ?? []).sorted { ($0.exercise.startUTCMillis, $0.exercise.id) < ($1.exercise.startUTCMillis, $1.exercise.id) }
            return names.compactMap { name -> PersonalRecord? in
                var best: (Double, ExerciseRecord)?
                for o in sorted {
                    guard let p = o.stats?.power, let v = value(name.record, p), v.isFinite, v > 0, v > (best?.0 ?? 0) else { continue }
                    best = (v, o.exercise)
                }
                return best.map { PersonalRecord(sport: sport, record: name.record, value: $0.0, exerciseID: $0.1.id,
                                                 achievedAtMillis: $0.1.startUTCMillis) }
            }
        }
    }
}

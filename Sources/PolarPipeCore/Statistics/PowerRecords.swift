/// The power records of a sport: the best 5 s, 1 min, 5 min and 20 min power and the best normalized power of any
/// exercise of the sport, from the `exercise_statistics` columns `best_power_5s_w` … `best_power_20min_w` and
/// `power_np_w`. `PersonalRecord.compute` finds them with the other records and `update_user_statistics` stores them
/// in `user_records`, over all of a user's exercises.
public enum PowerRecords {
    /// Record names (as `PersonalRecord.record`), in the order pages list them, with their words.
    public static let names: [(record: String, title: String)] = [
        ("best_power_5s", "Best 5 s power"), ("best_power_1min", "Best 1 min power"), ("best_power_5min", "Best 5 min power"),
        ("best_power_20min", "Best 20 min power"), ("best_np", "Best normalized power"),
    ]

    /// The `exercise_statistics` columns an `ExerciseSummary` reads its power from, in the order of `names`.
    public static let summaryColumns = ["best_power_5s_w", "best_power_1min_w", "best_power_5min_w", "best_power_20min_w", "power_np_w"]

    /// An exercise's value of power record `record`, W.
    static func value(_ record: String, _ e: ExerciseSummary) -> Double? {
        switch record {
        case "best_power_5s": e.best5sW
        case "best_power_1min": e.best1minW
        case "best_power_5min": e.best5minW
        case "best_power_20min": e.best20minW
        case "best_np": e.normalizedW
        default: nil
        }
    }

    /// Sets the power of `summary` from stored columns: `value` gives a column of `summaryColumns` by name.
    public static func read(into summary: inout ExerciseSummary, _ value: (String) -> Double?) {
        let v = summaryColumns.map(value)
        (summary.best5sW, summary.best1minW, summary.best5minW, summary.best20minW, summary.normalizedW) = (v[0], v[1], v[2], v[3], v[4])
    }

    /// Whether `record` is one of these (its value is in watts).
    public static func isPower(_ record: String) -> Bool { names.contains { $0.record == record } }
}

import Foundation

/// Totals laid out on a real calendar for the report charts: every week of a bounded window (empty weeks
/// included), months of a year, and years. Days are local days (days since 1970-01-01 of the watch's date).
public enum CalendarSeries {
    /// One week of a weekly chart.
    public struct Week: Sendable, Equatable {
        /// The local day of the week's Monday.
        public var monday: Int
        public var exercises: Int
        public var distanceM: Double
        public var durationS: Double

        /// `2025-W07 (10 Feb 2025)`: the ISO week and its Monday.
        public var label: String { ISOWeek.of(day: monday).label + " (" + CalendarSeries.dayName(monday) + ")" }
    }

    /// The most weeks a chart draws: a longer history is bounded to its last `maxWeeks` weeks.
    public static let maxWeeks = 520

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `10 Feb 2025`.
    public static func dayName(_ day: Int) -> String {
        let (y, m, d) = PolarTime.civilFromDays(day)
        return "\(d) \(monthNames[max(0, min(11, m - 1))]) \(y)"
    }

    /// The `count` weeks (1–`maxWeeks`) ending with the week of `lastDay`, oldest first; a week without a row is zero.
    public static func weeks(_ rows: [WeeklyTotals], endingAt lastDay: Int, count: Int = 52) -> [Week] {
        let n = max(1, min(maxWeeks, count))
        let lastMonday = ISOWeek.of(day: lastDay).monday
        let first = lastMonday - 7 * (n - 1)
        var result = (0 ..< n).map { Week(monday: first + 7 * $0, exercises: 0, distanceM: 0, durationS: 0) }
        for row in rows where row.monday >= first && row.monday <= lastMonday {
            let i = (row.monday - first) / 7
            guard result.indices.contains(i), result[i].monday == row.monday else { continue }
            result[i].exercises += row.exercises
            result[i].distanceM += row.distanceM
            result[i].durationS += row.durationS
        }
        return result
    }

    /// How many weeks a chart ending with the week of `lastDay` shows: the weeks since the first row, at least 12
    /// (a short history is not squeezed into a few wide bars) and at most `limit`.
    public static func windowWeeks(_ rows: [WeeklyTotals], endingAt lastDay: Int, limit: Int = 52) -> Int {
        guard let first = rows.map(\.monday).min() else { return 12 }
        return max(12, min(limit, (ISOWeek.of(day: lastDay).monday - first) / 7 + 1))
    }

    /// Axis labels for a run of days: `Nov 2025` on the first day of each month, nothing elsewhere.
    public static func dayAxisLabels(_ days: [Int]) -> [String] {
        days.map { day in
            let (y, m, d) = PolarTime.civilFromDays(day)
            return d == 1 ? monthNames[m - 1] + " \(y)" : ""
        }
    }

    /// Axis labels for weekly bars: `Mar 2025` at the first week of every other month, nothing elsewhere.
    public static func axisLabels(_ weeks: [Week]) -> [String] {
        var previousMonth: Int?
        return weeks.map { week in
            let (y, m, _) = PolarTime.civilFromDays(week.monday)
            defer { previousMonth = m }
            guard let previous = previousMonth, previous != m, m % 2 == 1 else { return "" }
            return monthNames[m - 1] + " \(y)"
        }
    }

    /// Weekly totals of exercises by the local week they started in (as `user_weekly_statistics` counts them).
    public static func weeklyRows(_ exercises: [ExerciseOverview]) -> [WeeklyTotals] {
        var byMonday: [Int: WeeklyTotals] = [:]
        for o in exercises {
            let (label, monday) = ISOWeek.of(day: localDay(o))
            var row = byMonday[monday] ?? WeeklyTotals(week: label, monday: monday, exercises: 0, distanceM: 0, durationS: 0, trimp: 0, activeUsers: 1)
            row.exercises += 1
            row.distanceM += distance(o) ?? 0
            row.durationS += o.exercise.durationS
            row.trimp += o.stats?.trimp ?? 0
            byMonday[monday] = row
        }
        return byMonday.values.sorted { $0.monday < $1.monday }
    }

    /// Twelve monthly sums of `value` for the exercises that started in `year` (local dates).
    public static func months(_ exercises: [ExerciseOverview], year: Int, value: (ExerciseOverview) -> Double) -> [Double] {
        var sums = [Double](repeating: 0, count: 12)
        for o in exercises {
            let (y, m, _) = PolarTime.civilFromDays(localDay(o))
            if y == year { sums[m - 1] += value(o) }
        }
        return sums
    }

    /// Totals of one year.
    public struct Year: Sendable, Equatable {
        public var year: Int
        public var exercises: Int
        public var distanceM: Double
        public var durationS: Double
    }

    /// Per-year totals, oldest first, from weekly rows (a week belongs to the year of its Monday).
    public static func years(_ rows: [WeeklyTotals]) -> [Year] {
        var byYear: [Int: Year] = [:]
        for row in rows {
            let y = PolarTime.civilFromDays(row.monday).year
            var t = byYear[y] ?? Year(year: y, exercises: 0, distanceM: 0, durationS: 0)
            t.exercises += row.exercises
            t.distanceM += row.distanceM
            t.durationS += row.durationS
            byYear[y] = t
        }
        return byYear.values.sorted { $0.year < $1.year }
    }

    /// The local day an exercise started on.
    public static func localDay(_ o: ExerciseOverview) -> Int {
        ExerciseSummary.localDay(utcMillis: o.exercise.startUTCMillis, offsetMinutes: o.exercise.tzOffsetMinutes)
    }

    /// The exercise's distance: polarpipe's (from the route) when computed, else the one the watch recorded.
    public static func distance(_ o: ExerciseOverview) -> Double? { o.stats?.distanceM ?? o.exercise.distanceM }
}

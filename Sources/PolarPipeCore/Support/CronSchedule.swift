import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`), evaluated in UTC.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b,c`, month names `JAN`…`DEC` and
/// day names `SUN`…`SAT` (0 and 7 are Sunday). As in Vixie cron, when both day fields are restricted a day matches
/// if either matches.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let dayRestricted: Bool, weekdayRestricted: Bool

    public var description: String { expression }

    public init(_ expression: String) throws(ConfigurationError) {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ConfigurationError(message: "cron expression '\(expression)' needs 5 fields: minute hour day month weekday")
        }
        self.expression = expression
        minutes = try CronSchedule.field(fields[0], 0 ... 59, names: [:])
        hours = try CronSchedule.field(fields[1], 0 ... 23, names: [:])
        days = try CronSchedule.field(fields[2], 1 ... 31, names: [:])
        months = try CronSchedule.field(fields[3], 1 ... 12, names: ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                                                                   "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12])
        weekdays = Set(try CronSchedule.field(fields[4], 0 ... 7, names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4,
                                                                         "FRI": 5, "SAT": 6]).map { $0 % 7 })
        dayRestricted = fields[2] != "*"
        weekdayRestricted = fields[4] != "*"
    }

    static func field(_ text: String, _ range: ClosedRange<Int>, names: [String: Int]) throws(ConfigurationError) -> Set<Int> {
        func value(_ s: Substring) throws(ConfigurationError) -> Int {
            if let n = Int(s), range.contains(n) { return n }
            if let n = names[s.uppercased()] { return n }
            throw ConfigurationError(message: "'\(s)' is not allowed in a cron field (\(range.lowerBound)–\(range.upperBound))")
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, let base = stepParts.first, !base.isEmpty else {
                throw ConfigurationError(message: "'\(part)' is not a cron field")
            }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s > 0 else { throw ConfigurationError(message: "bad step in '\(part)'") }
                step = s
            }
            var low = range.lowerBound, high = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw ConfigurationError(message: "'\(part)' is not a cron field") }
                low = try value(bounds[0])
                high = bounds.count == 2 ? try value(bounds[1]) : (stepParts.count == 2 ? range.upperBound : low)
                guard low <= high else { throw ConfigurationError(message: "empty range '\(part)'") }
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    func matchesDay(_ day: Int, month: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        switch (dayRestricted, weekdayRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first matching minute strictly after `date`, or nil if none in the next five years (e.g. `0 0 31 2 *`).
    public func next(after date: Date) -> Date? {
        var minute = Int((date.timeIntervalSince1970 / 60).rounded(.down)) + 1
        let limit = minute + 5 * 366 * 1440
        while minute < limit {
            let day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440
            let (_, m, d) = PolarTime.civilFromDays(day)
            let weekday = ((day % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
            if !matchesDay(d, month: m, weekday: weekday) {
                minute = (day + 1) * 1440
                continue
            }
            let minuteOfDay = minute - day * 1440
            if hours.contains(minuteOfDay / 60), minutes.contains(minuteOfDay % 60) {
                return Date(timeIntervalSince1970: Double(minute) * 60)
            }
            minute += 1
        }
        return nil
    }
}

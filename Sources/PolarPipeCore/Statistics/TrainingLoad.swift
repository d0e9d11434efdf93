import Foundation

/// What heart-rate zones and TRIMP need to know about the athlete at the time of an exercise.
public struct HeartRateProfile: Sendable, Codable, Equatable {
    public var maxHR: Double?
    public var restingHR: Double?
    /// `MALE`, `FEMALE`, or nil when unknown.
    public var sex: String?
    /// Functional threshold power, W, for intensity factor, TSS and power zones.
    public var ftpW: Double?
    /// Heart-rate zones as bpm limits (the file's, else the sport's configured ones); nil: zones are % of `maxHR`.
    public var hrZones: HeartRateZoneLimits?
    public init(maxHR: Double?, restingHR: Double?, sex: String?, ftpW: Double? = nil, hrZones: HeartRateZoneLimits? = nil) {
        self.maxHR = maxHR
        self.restingHR = restingHR
        self.sex = sex
        self.ftpW = ftpW
        self.hrZones = hrZones
    }

    /// Nothing known: zones, TRIMP and TSS cannot be computed.
    public var isEmpty: Bool { maxHR == nil && restingHR == nil && sex == nil && ftpW == nil && hrZones == nil }

    /// Max HR from the session's physical information, else the user's, else 220 − age (SPEC §4.1). Implausible
    /// values (`PhysicalPlausibility`) are not used, whichever source holds them. `hrZones` are the zone limits that
    /// replace the % of max HR zones: the file's for the exercise, else the ones configured for its sport.
    public static func resolve(session: PhysicalInformation?, user: PhysicalInformation?, startLocalMillis: Int64,
                               hrZones: HeartRateZoneLimits? = nil) -> HeartRateProfile {
        let session = PhysicalPlausibility.sanitized(session), user = PhysicalPlausibility.sanitized(user)
        var maxHR = session?.maxHR ?? user?.maxHR
        if maxHR == nil, let birthday = session?.birthday ?? user?.birthday, let age = age(birthday: birthday, atLocalMillis: startLocalMillis) {
            maxHR = Double(220 - age)
        }
        var restingHR = session?.restingHR ?? user?.restingHR
        if let rest = restingHR, let max = maxHR, rest >= max { restingHR = nil }
        return HeartRateProfile(maxHR: maxHR, restingHR: restingHR, sex: session?.sex ?? user?.sex, ftpW: session?.ftpW ?? user?.ftpW,
                                hrZones: hrZones)
    }

    /// Whole years between `YYYY-MM-DD` and the date of `millis`; nil for a birthday that is not a date or an age
    /// outside 0–120.
    static func age(birthday: String, atLocalMillis millis: Int64) -> Int? {
        guard let born = PhysicalPlausibility.birthdayDay(birthday) else { return nil }
        let (by, bm, bd) = PolarTime.civilFromDays(born)
        let (y, m, d) = PolarTime.civilFromDays(ExerciseSummary.day(ofLocalMillis: millis))
        var age = y - by
        if (m, d) < (bm, bd) { age -= 1 }
        return (0 ... 120).contains(age) ? age : nil
    }
}

/// Heart-rate zones, TRIMP and moving time (SPEC §4.1). Samples weigh their interval (`SampleWeights`).
public enum TrainingLoad {
    /// Seconds of valid HR in zones 1–5: 50–60, 60–70, 70–80, 80–90, ≥ 90 % of max HR. nil without a plausible
    /// max HR (`PhysicalPlausibility.maxHR`).
    public static func zones(_ hr: SampleSeries, maxHR: Double?, durationS: Double? = nil) -> [Double]? {
        guard let maxHR, PhysicalPlausibility.maxHR.contains(maxHR) else { return nil }
        let hr = SampleFilters.validHeartRate(hr)
        var seconds = [Double](repeating: 0, count: 5)
        let w = SampleWeights.weights(hr.t, durationS: durationS)
        for i in 0 ..< hr.count {
            // Percent first: (0.6 − 0.5) × 10 is 0.999… in floating point, 60 / 10 is exactly 6.
            let percent = hr.value[i] * 100 / maxHR
            guard percent >= 50 else { continue }
            seconds[CheckedConversion.clampedInt(floor: percent / 10, to: 5 ... 9) - 5] += w[i]
        }
        return seconds
    }

    /// Seconds of valid HR in zones 1–5 of `limits` (bpm; below zone 1 counts in none).
    public static func zones(_ hr: SampleSeries, limits: HeartRateZoneLimits, durationS: Double? = nil) -> [Double] {
        let hr = SampleFilters.validHeartRate(hr)
        var seconds = [Double](repeating: 0, count: 5)
        let w = SampleWeights.weights(hr.t, durationS: durationS)
        for i in 0 ..< hr.count {
            if let zone = limits.zone(of: hr.value[i]) { seconds[zone] += w[i] }
        }
        return seconds
    }

    /// Banister TRIMP: Σ (Δt/60) · x · a · e^(b·x), x = clamp((hr − rest)/(max − rest), 0, 1); a, b by sex.
    /// nil without plausible resting and max HR, or when resting is not below max.
    public static func trimp(_ hr: SampleSeries, profile: HeartRateProfile, durationS: Double? = nil) -> Double? {
        guard let maxHR = profile.maxHR, let rest = profile.restingHR, PhysicalPlausibility.maxHR.contains(maxHR),
              PhysicalPlausibility.restingHR.contains(rest), maxHR > rest else { return nil }
        let (a, b): (Double, Double)
        switch profile.sex {
        case "MALE": (a, b) = (0.64, 1.92)
        case "FEMALE": (a, b) = (0.86, 1.67)
        default: (a, b) = (0.75, 1.80)
        }
        let hr = SampleFilters.validHeartRate(hr)
        let w = SampleWeights.weights(hr.t, durationS: durationS)
        var total = 0.0
        for i in 0 ..< hr.count {
            let x = min(1, max(0, (hr.value[i] - rest) / (maxHR - rest)))
            total += w[i] / 60 * x * a * exp(b * x)
        }
        return total
    }

    /// Seconds moving at ≥ 1.0 km/h: from speed samples (plausible ones, `SamplePlausibility.speedKmh`), else from
    /// GPS point-to-point speed (a point moves when the step to the next point is ≥ 1.0 km/h, and a step across one
    /// of `pauses` never moves); nil without either.
    public static func movingTime(speed: SampleSeries, route: RouteSeries, pauses: SampleSeries = SampleSeries(),
                                  durationS: Double? = nil) -> Double? {
        let speed = SamplePlausibility.within(speed, SamplePlausibility.speedKmh)
        if !speed.isEmpty {
            let w = SampleWeights.weights(speed.t, durationS: durationS)
            var total = 0.0
            for i in 0 ..< speed.count where speed.value[i] >= 1.0 { total += w[i] }
            return total
        }
        guard route.count >= 2 else { return nil }
        let w = SampleWeights.weights(route.t, durationS: durationS)
        let across = RoutePauses.legsAcross(route.t, pauses: pauses)
        var total = 0.0
        for i in 1 ..< route.count where !across[i] {
            let dt = route.t[i] - route.t[i - 1]
            guard dt > 0 else { continue }
            let kmh = Geo.haversine(route.latitude[i - 1], route.longitude[i - 1], route.latitude[i], route.longitude[i]) / dt * 3.6
            if kmh >= 1.0 { total += w[i - 1] }
        }
        return total
    }
}

/// Fitness (CTL, 42-day), fatigue (ATL, 7-day) and form (TSB = CTL − ATL) from daily TRIMP, as exponentially
/// weighted averages: `v_d = v_{d−1} + (trimp_d − v_{d−1}) · (1 − e^(−1/τ))`, starting from 0 on the first day.
public struct DailyLoad: Sendable, Equatable {
    /// Days since 1970-01-01 (local date of the exercises).
    public var day: Int
    public var trimp: Double
    public var ctl: Double
    public var atl: Double
    public var tsb: Double { ctl - atl }

    public init(day: Int, trimp: Double, ctl: Double, atl: Double) {
        self.day = day
        self.trimp = trimp
        self.ctl = ctl
        self.atl = atl
    }

    /// Fitness (CTL, 42-day), fatigue (ATL, 7-day) and form from the first exercise day through `through` (today),
    /// decaying on days without training; through the last exercise day when that is later (a watch clock ahead).
    public static func series(dailyTRIMP: [Int: Double], through today: Int? = nil) -> [DailyLoad] {
        guard let first = dailyTRIMP.keys.min(), let lastExercise = dailyTRIMP.keys.max() else { return [] }
        // A day beyond the last exercise by more than ten years is a wrong clock, not a rest: the series stops there.
        let last = max(lastExercise, min(today ?? lastExercise, lastExercise + 3_660))
        let kCTL = 1 - exp(-1.0 / 42), kATL = 1 - exp(-1.0 / 7)
        var ctl = 0.0, atl = 0.0
        var result: [DailyLoad] = []
        for day in first ... last {
            let load = dailyTRIMP[day] ?? 0
            ctl += (load - ctl) * kCTL
            atl += (load - atl) * kATL
            result.append(DailyLoad(day: day, trimp: load, ctl: ctl, atl: atl))
        }
        return result
    }
}

/// ISO-8601 week of a day (`2026-W05`), and the Monday that starts it.
public enum ISOWeek {
    public static func of(day: Int) -> (label: String, monday: Int) {
        let weekday = ((day % 7) + 10) % 7  // Monday = 0 (1970-01-01 was a Thursday)
        let monday = day - weekday
        let thursday = monday + 3
        let (year, _, _) = PolarTime.civilFromDays(thursday)
        let week = (thursday - PolarTime.daysFromCivil(year, 1, 1)) / 7 + 1
        return (Format.padded(year, 4) + "-W" + Format.padded(week, 2), monday)
    }
}

/// One row of a weekly table.
public struct WeeklyTotals: Sendable, Equatable {
    public var week: String
    public var monday: Int
    public var exercises: Int
    public var distanceM: Double
    public var durationS: Double
    public var trimp: Double
    public var activeUsers: Int

    public init(week: String, monday: Int, exercises: Int, distanceM: Double, durationS: Double, trimp: Double, activeUsers: Int) {
        self.week = week
        self.monday = monday
        self.exercises = exercises
        self.distanceM = distanceM
        self.durationS = durationS
        self.trimp = trimp
        self.activeUsers = activeUsers
    }

    /// Totals per ISO week of the exercises' local start dates.
    public static func compute(_ exercises: [(userID: Int64, summary: ExerciseSummary)]) -> [WeeklyTotals] {
        var weeks: [String: WeeklyTotals] = [:]
        var users: [String: Set<Int64>] = [:]
        for (userID, e) in exercises {
            let (label, monday) = ISOWeek.of(day: e.localDay)
            var w = weeks[label] ?? WeeklyTotals(week: label, monday: monday, exercises: 0, distanceM: 0, durationS: 0, trimp: 0, activeUsers: 0)
            w.exercises += 1
            w.distanceM += e.distanceM ?? 0
            w.durationS += e.durationS
            w.trimp += e.trimp ?? 0
            weeks[label] = w
            users[label, default: []].insert(userID)
        }
        return weeks.values.map { w in
            var w = w
            w.activeUsers = users[w.week]?.count ?? 0
            return w
        }.sorted { $0.monday < $1.monday }
    }
}

/// The sample channels an exercise carries, to tell a richer copy of a session from a poorer one.
public struct SampleChannels: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let heartRate = SampleChannels(rawValue: 1 << 0)
    public static let route = SampleChannels(rawValue: 1 << 1)
    public static let altitude = SampleChannels(rawValue: 1 << 2)
    public static let speed = SampleChannels(rawValue: 1 << 3)
    public static let distance = SampleChannels(rawValue: 1 << 4)
    public static let power = SampleChannels(rawValue: 1 << 5)
    public static let cadence = SampleChannels(rawValue: 1 << 6)
    /// What a stored exercise of an older schema (no channel record) is taken to have: everything, so it is never
    /// replaced on a guess.
    public static let all: SampleChannels = [.heartRate, .route, .altitude, .speed, .distance, .power, .cadence]

    /// The channels `samples` has at least one value in.
    public init(_ samples: ExerciseSamples) {
        var set: SampleChannels = []
        if !samples.heartRate.isEmpty { set.insert(.heartRate) }
        if samples.route.count > 0 { set.insert(.route) }
        if !samples.altitude.isEmpty { set.insert(.altitude) }
        if !samples.speed.isEmpty { set.insert(.speed) }
        if !samples.distance.isEmpty { set.insert(.distance) }
        if !samples.power.isEmpty { set.insert(.power) }
        if !samples.cadence.isEmpty { set.insert(.cadence) }
        self = set
    }
}

/// What the duplicate rule knows of an exercise already stored: enough to match it and to weigh it.
public struct ExerciseFootprint: Sendable, Equatable {
    public var id: Int64
    public var fileID: Int64
    public var layout: PolarLayout
    public var sport: String
    public var startUTCMillis: Int64
    public var tzOffsetMinutes: Int?
    public var durationS: Double
    public var channels: SampleChannels

    public init(id: Int64, fileID: Int64, layout: PolarLayout, sport: String, startUTCMillis: Int64,
                tzOffsetMinutes: Int?, durationS: Double, channels: SampleChannels) {
        self.id = id
        self.fileID = fileID
        self.layout = layout
        self.sport = sport
        self.startUTCMillis = startUTCMillis
        self.tzOffsetMinutes = tzOffsetMinutes
        self.durationS = durationS
        self.channels = channels
    }

    /// The footprint an exercise about to be stored would have.
    public init(_ exercise: Exercise, layout: PolarLayout) {
        self.init(id: 0, fileID: 0, layout: layout, sport: exercise.sport, startUTCMillis: exercise.startUTCMillis,
                  tzOffsetMinutes: exercise.tzOffsetMinutes, durationS: exercise.durationS,
                  channels: SampleChannels(exercise.samples))
    }
}

/// What to do with an exercise about to be stored, given those stored before it.
public enum ExerciseDecision: Sendable, Equatable {
    /// Not seen before: store it.
    case insert
    /// The same session is stored already, with at least as much: skip it (a duplicate exercise).
    case duplicate(of: Int64)
    /// The same session is stored already with less (a strict subset of the channels): store this one and delete
    /// those.
    case replace([Int64])
}

/// The duplicate-exercise rule (one rule; both stores call it inside the transaction that stores exercises).
///
/// - Between Polar JSON files (export layouts and AccessLink): the same user, the same sport and a UTC start within
///   `run.duplicate_tolerance_ms` (±2 s by default).
/// - When either copy comes from FIT, TCX, GPX or Polar CSV, whose stamps differ by seconds from Polar's (a TCX `Id`
///   is up to 23 s off its first lap; Strava's re-export drops a point): the same user, a compatible sport (the same
///   family: running, cycling, walking, swimming, or either sport unknown/generic), starts within
///   `crossFormatToleranceMillis` (60 s), and time spans of which the shorter is at least half the longer. A start
///   whose offset to UTC is unknown (TCX and GPX state UTC, Polar CSV states local time) may sit a whole number of
///   quarter hours (up to 14 h) from the other: such a file does not say which clock it used.
/// - A duplicate whose channels are a strict superset of the stored copy's (a FIT with power after a GPX without HR)
///   replaces it, unless both are Polar JSON (the same recording exported twice); otherwise the first copy stays
///   and the later one is counted as a duplicate.
public enum DuplicateExercise {
    public static let crossFormatToleranceMillis: Int64 = 60_000
    /// The widest distance between two starts the rule can match: a full time-zone offset plus the tolerance.
    public static func searchWindowMillis(toleranceMillis: Int64) -> Int64 {
        sum(14 * 3_600_000, max(toleranceMillis, crossFormatToleranceMillis))
    }

    /// The UTC starts a store reads candidates from for an exercise starting at `start`.
    public static func searchRange(around start: Int64, toleranceMillis: Int64) -> ClosedRange<Int64> {
        let window = searchWindowMillis(toleranceMillis: toleranceMillis)
        return sum(start, -window) ... sum(start, window)
    }

    public static func decide(_ new: ExerciseFootprint, among stored: [ExerciseFootprint], toleranceMillis: Int64) -> ExerciseDecision {
        let matches = stored.filter { isSameSession(new, $0, toleranceMillis: toleranceMillis) }
        guard !matches.isEmpty else { return .insert }
        // Polar's own JSON copies of a session (export layouts, AccessLink) are one recording: the first stays.
        let replaces = { (old: ExerciseFootprint) in
            new.channels.isStrictSuperset(of: old.channels) && !(isPolarJSON(new.layout) && isPolarJSON(old.layout))
        }
        if matches.allSatisfy(replaces) { return .replace(matches.map(\.id)) }
        return .duplicate(of: matches.first { !replaces($0) }?.id ?? matches[0].id)
    }

    /// Whether `a` and `b` are the same session by the rule above.
    public static func isSameSession(_ a: ExerciseFootprint, _ b: ExerciseFootprint, toleranceMillis: Int64) -> Bool {
        if isPolarJSON(a.layout), isPolarJSON(b.layout) {
            return a.sport == b.sport && distance(a.startUTCMillis, b.startUTCMillis) <= toleranceMillis
        }
        guard compatibleSports(a.sport, b.sport) else { return false }
        let shorter = min(a.durationS, b.durationS)
        let longer = max(a.durationS, b.durationS)
        guard longer > 0, shorter >= longer / 2 else { return false }
        let tolerance = max(toleranceMillis, crossFormatToleranceMillis)
        let apart = distance(a.startUTCMillis, b.startUTCMillis)
        if a.tzOffsetMinutes != nil, b.tzOffsetMinutes != nil { return apart <= tolerance }
        let quarterHour: Int64 = 900_000
        guard apart <= sum(14 * 3_600_000, tolerance) else { return false }
        let nearestQuarter = min(sum(apart, quarterHour / 2) / quarterHour, 56) * quarterHour
        return distance(apart, nearestQuarter) <= tolerance
    }

    static func isPolarJSON(_ layout: PolarLayout) -> Bool {
        switch layout {
        case .flowExportOld, .flowExportNew, .accessLink: return true
        case .fit, .tcx, .gpx, .polarCSV: return false
        }
    }

    /// Two sport names (normalised, `ROAD_CYCLING`) of one family, or either of them saying nothing specific.
    public static func compatibleSports(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let fa = family(a), fb = family(b)
        if fa == nil || fb == nil { return true }
        return fa == fb
    }

    /// The family of a sport, or nil for a generic or unknown one (`OTHER`, `OTHER_OUTDOOR`, `UNKNOWN`, `SPORT_99`).
    static func family(_ sport: String) -> String? {
        if sport.contains("RUN") || sport.contains("JOG") { return "running" }
        if sport.contains("CYCL") || sport.contains("BIK") { return "cycling" }
        if sport.contains("WALK") || sport.contains("HIK") { return "walking" }
        if sport.contains("SWIM") { return "swimming" }
        if sport.hasPrefix("OTHER") || sport.hasPrefix("SPORT_") || sport == "UNKNOWN" || sport == "GENERIC" { return nil }
        return sport
    }

    /// `a + b`, saturating (starts and tolerances come from files and configuration).
    static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : s
    }

    static func distance(_ a: Int64, _ b: Int64) -> Int64 {
        let (d, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return .max }
        return d == .min ? .max : abs(d)
    }
}

/// Heart-rate zones configured per sport (`zones.<sport>` in `polarpipe.toml`), used for an exercise whose file
/// states no zones of its own.
///
/// A key is a sport as polarpipe names it, in any case (`zones.road_cycling`), or the last word of such names
/// (`zones.cycling` also serves `ROAD_CYCLING` and `INDOOR_CYCLING`, `zones.running` serves `TREADMILL_RUNNING`);
/// the sport's own key wins. Its value is four to six ascending limits in bpm: four are the boundaries between
/// the five zones (`[120, 140, 155, 170]`: zone 1 below 120, zone 5 from 170), five are the lower limits of zones
/// 1–5 (below the first is in no zone), six add zone 5's upper limit (above it is in no zone).
public struct SportHeartRateZones: Sendable, Equatable {
    /// Limits by upper-cased key.
    public private(set) var bySport: [String: HeartRateZoneLimits] = [:]

    public init() {}

    /// What a value must be, for error messages.
    public static let expected = "4 to 6 ascending heart rates from 30 to 250 bpm, e.g. [120, 140, 155, 170]"

    /// Sets the zones of `sport` from a value's text (`120,140,155,170`, as the configuration gives an array); false
    /// when the text is not such limits.
    public mutating func set(sport: String, text: String) -> Bool {
        let key = SportNames.normalise(sport)
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard key != "UNKNOWN", (4 ... 6).contains(parts.count) else { return false }
        let values = parts.compactMap { Double($0) }
        guard values.count == parts.count else { return false }
        let lower = values.count == 4 ? [30] + values : Array(values.prefix(5))
        guard let limits = HeartRateZoneLimits(lowerBPM: lower, upperBPM: values.count == 6 ? values[5] : nil) else { return false }
        bySport[key] = limits
        return true
    }

    /// The zones configured for a sport: its own key, else its last word's; nil when neither is set.
    public func limits(forSport sport: String) -> HeartRateZoneLimits? {
        let name = SportNames.normalise(sport)
        if let own = bySport[name] { return own }
        guard let last = name.split(separator: "_").last, last.count < name.count else { return nil }
        return bySport[String(last)]
    }
}

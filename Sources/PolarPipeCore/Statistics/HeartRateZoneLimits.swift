/// Heart-rate zones 1–5 as bpm limits: the watch's own (a Polar export's zone limits, FIT `hr_zone`) or the ones
/// configured for a sport (`zones.<sport>`), used instead of the % of max HR zones when they exist.
///
/// `lowerBPM[k]` is the lowest heart rate of zone k + 1: a valid sample at or above it and below the next limit is
/// in that zone, and a sample below the first limit is in no zone. Zone 5 ends at `upperBPM` inclusive when it is
/// known — as Polar counts it: a sample above the watch's top limit is in no zone — and is open otherwise. The
/// limits are strictly ascending values within the valid heart-rate range (30–250 bpm).
public struct HeartRateZoneLimits: Sendable, Codable, Equatable {
    public let lowerBPM: [Double]
    public let upperBPM: Double?

    /// Nil unless `lowerBPM` is five strictly ascending values from 30 to 250 bpm and `upperBPM`, when given, is a
    /// valid heart rate above the last.
    public init?(lowerBPM: [Double], upperBPM: Double? = nil) {
        let all = lowerBPM + (upperBPM.map { [$0] } ?? [])
        guard lowerBPM.count == 5, all.allSatisfy(SampleFilters.isValidHeartRate),
              zip(all, all.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        self.lowerBPM = lowerBPM
        self.upperBPM = upperBPM
    }

    /// The limits as a FIT file states them (`hr_zone.high_bpm`): each zone's upper limit in order, the first
    /// `upperBPM.count − 5` of them below zone 1 (Garmin writes a zone 0, Wahoo does not). With exactly five, zone 1
    /// starts at the lowest valid HR; a top limit above 250 bpm (Wahoo writes 254) leaves zone 5 open.
    public init?(upperBPM: [Double]) {
        guard upperBPM.count >= 5, upperBPM.count <= 16 else { return nil }
        let zones = Array(upperBPM.suffix(5))
        let below = upperBPM.count > 5 ? max(30, upperBPM[upperBPM.count - 6]) : 30
        let top = zones[4]
        self.init(lowerBPM: [below] + zones.dropLast(), upperBPM: SampleFilters.isValidHeartRate(top) ? top : nil)
    }

    /// The stored form: the five lower limits, then zone 5's upper limit when known (`95,114,133,152,171,190`).
    public var text: String { (lowerBPM + (upperBPM.map { [$0] } ?? [])).map(Self.format).joined(separator: ",") }

    /// The stored form read back; nil for anything else.
    public init?(text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 5 || parts.count == 6 else { return nil }
        let values = parts.compactMap { Double($0) }
        guard values.count == parts.count else { return nil }
        self.init(lowerBPM: Array(values.prefix(5)), upperBPM: values.count == 6 ? values[5] : nil)
    }

    /// `95`, `95.5`; any number (also one read from a file for a message), never trapping.
    static func format(_ bpm: Double) -> String {
        if let whole = CheckedConversion.int(floor: bpm, in: -1_000_000 ... 1_000_000), Double(whole) == bpm { return String(whole) }
        return String(bpm)
    }

    /// The zone (0–4) of a valid heart rate; nil below zone 1 or above zone 5.
    @inline(__always)
    func zone(of bpm: Double) -> Int? {
        if let upperBPM, bpm > upperBPM { return nil }
        var k = 4
        while k >= 0, bpm < lowerBPM[k] { k -= 1 }
        return k >= 0 ? k : nil
    }
}

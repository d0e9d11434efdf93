/// Bounds on sample values and distances, so that statistics stay finite and their loops and allocations follow the
/// number of samples, never a value in a file.
///
/// * Speed samples: 0–360 km/h; others are ignored (as missing).
/// * Altitude (barometric or GPS): −1 000 to 10 000 m, below the Dead Sea shore and above Everest; others are
///   ignored.
/// * Distance: an exercise cannot cover more than 100 m/s (360 km/h) times its duration — faster than any sport a
///   Polar watch records. A reported distance, a GPS distance or a DISTANCE channel beyond that is implausible: it is
///   not used (a reported one gives way to the GPS distance; a DISTANCE channel to the route for splits), and an
///   implausible GPS distance is NULL. A file's GPS jumps within that bound still count, as SPEC §4.1 sums every
///   step. An exercise without times (duration 0: a GPX track whose points have no time) is bounded by the longest
///   exercise instead.
public enum SamplePlausibility {
    public static let speedKmh: ClosedRange<Double> = 0 ... 360
    public static let altitudeM: ClosedRange<Double> = -1000 ... 10_000
    /// The fastest plausible average speed of an exercise, m/s.
    public static let maxSpeedMps = 100.0
    /// The longest exercise the validation accepts (7 days), which bounds the distance of any exercise.
    public static let longestDurationS = 7 * 86_400.0

    /// The longest plausible distance of an exercise of `durationS` seconds, metres; for a duration of 0 (no times
    /// known) that of the longest exercise, and 0 for a negative or non-finite duration.
    public static func maxDistanceM(durationS: Double) -> Double {
        guard durationS.isFinite, durationS >= 0 else { return 0 }
        return (durationS == 0 ? longestDurationS : min(durationS, longestDurationS)) * maxSpeedMps
    }

    /// True when `metres` is a distance an exercise of `durationS` seconds can have.
    @inline(__always)
    public static func isPlausibleDistance(_ metres: Double, durationS: Double) -> Bool {
        metres >= 0 && metres <= maxDistanceM(durationS: durationS)
    }

    /// The samples of `s` whose value lies in `range`.
    public static func within(_ s: SampleSeries, _ range: ClosedRange<Double>) -> SampleSeries {
        if s.value.allSatisfy({ range.contains($0) }) { return s }
        var out = SampleSeries()
        for i in 0 ..< s.count where range.contains(s.value[i]) { out.append(s.t[i], s.value[i]) }
        return out
    }
}

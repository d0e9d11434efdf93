/// Conversions of numbers that come from files, the database or configuration into integers, in one place.
///
/// `Int(x)` of a `Double` traps on NaN, infinities and values beyond the integer's range; these return nil (or
/// clamp) instead, so no value read from outside can stop the process.
public enum CheckedConversion {
    /// `x` rounded towards minus infinity as an `Int` when that lies in `range`; nil otherwise (NaN included).
    @inline(__always)
    public static func int(floor x: Double, in range: ClosedRange<Int>) -> Int? {
        let f = x.rounded(.down)
        guard f >= Double(range.lowerBound), f <= Double(range.upperBound) else { return nil }
        return Int(exactly: f)
    }

    /// `x` rounded towards minus infinity, clamped into `range`; the lower bound for NaN.
    @inline(__always)
    public static func clampedInt(floor x: Double, to range: ClosedRange<Int>) -> Int {
        let f = x.rounded(.down)
        if !(f > Double(range.lowerBound)) { return range.lowerBound }
        if f >= Double(range.upperBound) { return range.upperBound }
        return Int(f)
    }

    /// `seconds` as whole milliseconds when `seconds` lies in `range` (seconds); nil otherwise.
    public static func millis(seconds: Double, in range: ClosedRange<Double>) -> Int64? {
        guard range.contains(seconds) else { return nil }
        let ms = (seconds * 1000).rounded()
        guard abs(ms) < 9.0e18 else { return nil }
        return Int64(exactly: ms)
    }

    /// `a + b` that saturates at the ends of `Int64` instead of trapping.
    @inline(__always)
    public static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b > 0 ? .max : .min
    }
}

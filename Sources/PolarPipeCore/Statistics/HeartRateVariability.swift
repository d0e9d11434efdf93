/// Heart-rate variability from R-R intervals (beat-to-beat times, ms): RMSSD, the root mean square of successive
/// differences.
///
/// Intervals outside 250–2 500 ms (240 to 24 bpm) are artefacts and dropped; a successive difference counts only
/// between two kept beats that follow each other and differ by at most 20 % (a missed or extra beat otherwise adds a
/// jump of a whole interval). RMSSD needs at least 10 such differences; else it is NULL.
public enum HeartRateVariability {
    public static let intervalMs: ClosedRange<Double> = 250 ... 2_500
    public static let minimumDifferences = 10

    /// R-R intervals as a series timed by their running sum (seconds from the exercise start), dropping values that
    /// are not finite and positive.
    public static func timed(_ intervalsMs: [Double]) -> SampleSeries {
        var series = SampleSeries()
        series.t.reserveCapacity(intervalsMs.count)
        series.value.reserveCapacity(intervalsMs.count)
        var elapsed = 0.0
        for ms in intervalsMs where ms.isFinite && ms > 0 && ms <= 60_000 {
            elapsed += ms / 1000
            series.append(elapsed, ms)
        }
        return series
    }

    public static func rmssd(_ rr: SampleSeries) -> Double? {
        var sum = 0.0
        var count = 0
        var previous: Double?
        for ms in rr.value {
            guard intervalMs.contains(ms) else {
                previous = nil
                continue
            }
            if let last = previous, abs(ms - last) <= 0.2 * last {
                let d = ms - last
                sum += d * d
                count += 1
            }
            previous = ms
        }
        guard count >= minimumDifferences else { return nil }
        return (sum / Double(count)).squareRoot()
    }
}

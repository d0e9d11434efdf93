/// How much time each sample stands for (SPEC §4): its interval, min(Δt to the next valid sample, the channel's
/// recording interval), so a gap in the data (a strap dropout, a GPS outage) adds no time to zones, TRIMP or moving
/// time.
///
/// The recording interval is the median Δt of the channel's valid samples, in whole milliseconds. Files that state
/// an interval (new layout `intervalMillis`, AccessLink `recording_rate`) are decoded onto that grid, so for them
/// the median is the stated interval whenever at least half of the successive valid samples are adjacent; old-layout
/// files state none and the median is what the watch recorded (1 s, or 5 s on older devices). The interval is taken
/// from the samples rather than carried from the file because the store keeps sample times, not intervals, and a
/// run must equal `stats rebuild`. A channel with fewer than two samples is taken as 1 Hz.
///
/// With the exercise's duration known, each sample's time is also clipped to [0, duration], so the weights never
/// add up to more than the exercise lasted.
public enum SampleWeights {
    /// The interval of a channel with fewer than two samples (SPEC: 1 Hz unless the file says otherwise).
    public static let defaultInterval = 1.0
    /// The longest interval the decoders accept (one sample an hour).
    public static let longestInterval = 3600.0

    /// Median Δt of strictly increasing times `t`, rounded to milliseconds, at most `longestInterval`.
    public static func recordingInterval(_ t: [Double]) -> Double {
        guard t.count >= 2 else { return defaultInterval }
        var steps: [Double] = []
        steps.reserveCapacity(t.count - 1)
        for i in 1 ..< t.count {
            let dt = ((t[i] - t[i - 1]) * 1000).rounded() / 1000
            if dt > 0, dt.isFinite { steps.append(dt) }
        }
        guard !steps.isEmpty else { return defaultInterval }
        // A value that fills more than half the steps is the median (regular data: one pass, no sort).
        var candidate = steps[0], votes = 0
        for s in steps {
            if votes == 0 { candidate = s }
            votes += s == candidate ? 1 : -1
        }
        let median: Double
        if steps.lazy.filter({ $0 == candidate }).count * 2 > steps.count {
            median = candidate
        } else {
            steps.sort()
            median = steps[(steps.count - 1) / 2]
        }
        return min(median, longestInterval)
    }

    /// The weight in seconds of each sample at times `t` (increasing): min(Δt to the next, `interval`), the last
    /// sample `interval`; with `durationS`, the part of that span inside [0, duration]. `interval` defaults to
    /// `recordingInterval(t)`.
    public static func weights(_ t: [Double], interval: Double? = nil, durationS: Double? = nil) -> [Double] {
        guard !t.isEmpty else { return [] }
        let step = interval.flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? recordingInterval(t)
        let end = durationS.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        var w = [Double](repeating: 0, count: t.count)
        for i in 0 ..< t.count {
            let next = i + 1 < t.count ? t[i + 1] - t[i] : step
            let span = next > 0 ? min(next, step) : 0
            guard let end else {
                w[i] = span.isFinite ? span : 0
                continue
            }
            let from = max(t[i], 0), to = min(t[i] + span, end)
            w[i] = to > from ? to - from : 0
        }
        return w
    }
}

/// Power and cadence statistics of one exercise (cycling power meters, Polar running power).
///
/// Every average is time-weighted: a sample weighs its interval (`SampleWeights`), so a dropout adds nothing.
/// * Normalized power: the 30-second rolling mean of power, raised to the fourth power, averaged, and the fourth root
///   taken. The rolling mean is over the samples inside the 30 s before each sample (by time, not by count), so files
///   recorded at 1 s and at 5 s agree.
/// * Intensity factor = NP / FTP; TSS = hours × IF² × 100 (hours of recorded power), with FTP the session's or the
///   user's functional threshold power; both NULL when the FTP is unknown.
/// * Best 5 s / 1 min / 5 min / 20 min: the highest time-weighted mean power over a window of that length lying within
///   recorded samples (no window spans a gap longer than the recording interval).
/// * Power zones (% of FTP, seven zones: < 55, 55–75, 75–90, 90–105, 105–120, 120–150, ≥ 150): seconds in each.
/// * Cadence average over samples above 0 (coasting is no cadence) and maximum.
/// Power samples outside 0–3 000 W and cadence outside 0–300 rpm are ignored. Every loop follows the number of samples.
public struct PowerStatistics: Sendable, Codable, Equatable {
    public var avgW: Double?
    public var maxW: Double?
    public var normalizedW: Double?
    public var intensityFactor: Double?
    public var tss: Double?
    /// Best mean power over 5 s, 60 s, 300 s and 1 200 s (nil where the exercise has no such stretch).
    public var best5sW: Double?
    public var best1minW: Double?
    public var best5minW: Double?
    public var best20minW: Double?
    /// Seconds in the seven power zones; nil without an FTP.
    public var zonesS: [Double]?
    public var cadenceAvg: Double?
    public var cadenceMax: Double?

    public init() {}

    public static let powerW: ClosedRange<Double> = 0 ... 3_000
    public static let cadenceRpm: ClosedRange<Double> = 0 ... 300
    /// Zone lower bounds as a fraction of FTP (zone 1 starts at 0).
    public static let zoneBounds: [Double] = [0.55, 0.75, 0.90, 1.05, 1.20, 1.50]
    static let bestWindows: [Double] = [5, 60, 300, 1_200]

    public var isEmpty: Bool { avgW == nil && cadenceAvg == nil }

    public static func compute(power: SampleSeries, cadence: SampleSeries, ftpW: Double?, durationS: Double) -> PowerStatistics {
        var stats = PowerStatistics()
        let ftp = ftpW.flatMap { PhysicalPlausibility.functionalThresholdPowerW.contains($0) ? $0 : nil }
        let p = SamplePlausibility.within(power, powerW)
        if !p.isEmpty {
            let interval = SampleWeights.recordingInterval(p.t)
            let w = SampleWeights.weights(p.t, interval: interval, durationS: durationS)
            let seconds = w.reduce(0, +)
            if seconds > 0 {
                stats.avgW = zip(p.value, w).reduce(0) { $0 + $1.0 * $1.1 } / seconds
                stats.maxW = p.value.max()
                stats.normalizedW = normalized(p, weights: w, seconds: seconds)
                let best = bestMeans(p, weights: w, interval: interval, windows: bestWindows)
                (stats.best5sW, stats.best1minW, stats.best5minW, stats.best20minW) = (best[0], best[1], best[2], best[3])
                if let ftp {
                    if let np = stats.normalizedW {
                        let intensity = np / ftp
                        stats.intensityFactor = intensity
                        stats.tss = seconds / 3_600 * intensity * intensity * 100
                    }
                    var zones = [Double](repeating: 0, count: zoneBounds.count + 1)
                    for (value, weight) in zip(p.value, w) {
                        let zone = zoneBounds.firstIndex { value < $0 * ftp } ?? zoneBounds.count
                        zones[zone] += weight
                    }
                    stats.zonesS = zones
                }
            }
        }
        let c = SamplePlausibility.within(cadence, cadenceRpm)
        if !c.isEmpty {
            let w = SampleWeights.weights(c.t, durationS: durationS)
            var sum = 0.0, seconds = 0.0
            for (value, weight) in zip(c.value, w) where value > 0 {
                sum += value * weight
                seconds += weight
            }
            stats.cadenceAvg = seconds > 0 ? sum / seconds : nil
            stats.cadenceMax = c.value.max().flatMap { $0 > 0 ? $0 : nil }
        }
        return stats
    }

    /// Fourth-power mean of the 30 s rolling mean (time-weighted), fourth root.
    static func normalized(_ p: SampleSeries, weights w: [Double], seconds: Double) -> Double? {
        var start = 0
        var windowSum = 0.0, windowTime = 0.0
        var fourth = 0.0
        for i in 0 ..< p.count {
            windowSum += p.value[i] * w[i]
            windowTime += w[i]
            while start < i, p.t[i] - p.t[start] >= 30 {
                windowSum -= p.value[start] * w[start]
                windowTime -= w[start]
                start += 1
            }
            let mean = windowTime > 0 ? max(0, windowSum / windowTime) : 0
            let squared = mean * mean
            fourth += squared * squared * w[i]
        }
        let result = (fourth / seconds).squareRoot().squareRoot()
        return result.isFinite ? result : nil
    }

    /// For each window length, the best time-weighted mean over stretches of at least that length with no gap
    /// longer than `interval` inside.
    static func bestMeans(_ p: SampleSeries, weights w: [Double], interval: Double, windows: [Double]) -> [Double?] {
        windows.map { length in
            var best: Double?
            var start = 0
            var sum = 0.0, time = 0.0
            for i in 0 ..< p.count {
                if i > 0, p.t[i] - p.t[i - 1] > interval * 1.5 {
                    // A gap: a window starts afresh after it.
                    start = i
                    sum = 0
                    time = 0
                }
                sum += p.value[i] * w[i]
                time += w[i]
                while start < i, time - w[start] >= length {
                    sum -= p.value[start] * w[start]
                    time -= w[start]
                    start += 1
                }
                if time >= length - 1e-9, time > 0 {
                    let mean = sum / time
                    if mean > (best ?? -.infinity) { best = mean }
                }
            }
            return best
        }
    }
}

/// One kilometre of an exercise.
public struct Split: Sendable, Equatable, Codable {
    public var km: Int
    public var timeS: Double
    public var paceMinPerKm: Double
    public var hrAvg: Double?
    /// Altitude at the end of the kilometre minus at its start, m.
    public var elevationM: Double?
    public init(km: Int, timeS: Double, paceMinPerKm: Double, hrAvg: Double?, elevationM: Double?) {
        self.km = km
        self.timeS = timeS
        self.paceMinPerKm = paceMinPerKm
        self.hrAvg = hrAvg
        self.elevationM = elevationM
    }
}

/// Per-km splits and best efforts from cumulative distance: the distance samples when there are any, else the
/// cumulative haversine length of the valid route (legs across a pause add nothing: `RoutePauses`).
///
/// Distances are bounded (`SamplePlausibility`): DISTANCE values beyond what the exercise can cover are ignored, a
/// route longer than that gives no curve, and there are never more splits than curve samples, so the work follows
/// the number of samples, never a distance written in a file.
public enum Splits {
    /// The cumulative distance curve (t, metres), non-decreasing. Without `durationS` the longest exercise bounds it.
    public static func distanceCurve(_ samples: ExerciseSamples, durationS: Double? = nil) -> SampleSeries {
        let limit = SamplePlausibility.maxDistanceM(durationS: durationS ?? SamplePlausibility.longestDurationS)
        if samples.distance.count >= 2 {
            var curve = SampleSeries()
            var best = 0.0
            for i in 0 ..< samples.distance.count {
                let d = samples.distance.value[i]
                guard d >= 0, d <= limit else { continue }
                best = max(best, d)
                curve.append(samples.distance.t[i], best)
            }
            if curve.count >= 2 { return curve }
        }
        let route = SampleFilters.validRoute(samples.route)
        guard route.count >= 2 else { return SampleSeries() }
        let across = RoutePauses.legsAcross(route.t, pauses: samples.pauses)
        var curve = SampleSeries(t: [route.t[0]], value: [0])
        for i in 1 ..< route.count {
            let leg = across[i] ? 0 : Geo.haversine(route.latitude[i - 1], route.longitude[i - 1], route.latitude[i], route.longitude[i])
            curve.append(route.t[i], curve.value[i - 1] + leg)
        }
        return (curve.value.last ?? 0) <= limit ? curve : SampleSeries()
    }

    /// The time at which the curve reaches `metres` (linear between samples); nil if it never does.
    static func time(reaching metres: Double, in curve: SampleSeries, from start: Int = 0) -> (t: Double, index: Int)? {
        var i = max(1, start)
        while i < curve.count {
            if curve.value[i] >= metres {
                let d0 = curve.value[i - 1], d1 = curve.value[i]
                let f = d1 > d0 ? (metres - d0) / (d1 - d0) : 1
                return (curve.t[i - 1] + f * (curve.t[i] - curve.t[i - 1]), i)
            }
            i += 1
        }
        return nil
    }

    /// Complete kilometres only; a partial last kilometre is not a split.
    public static func compute(_ samples: ExerciseSamples, durationS: Double? = nil) -> [Split] {
        compute(samples, curve: distanceCurve(samples, durationS: durationS))
    }

    /// The splits of `curve` (from `distanceCurve`), with HR and altitude from `samples`: at most one per
    /// kilometre of the curve and never more than it has samples.
    static func compute(_ samples: ExerciseSamples, curve: SampleSeries) -> [Split] {
        guard curve.count >= 2, let last = curve.value.last, last >= 1000 else { return [] }
        let hr = SampleFilters.validHeartRate(samples.heartRate)
        let altitude = Elevation.altitudeSeries(barometric: samples.altitude, route: SampleFilters.validRoute(samples.route))
        let kilometres = CheckedConversion.clampedInt(floor: last / 1000, to: 0 ... curve.count)
        var splits: [Split] = []
        splits.reserveCapacity(kilometres)
        var previousTime = curve.t[0]
        var index = 1
        var h = 0
        for km in stride(from: 1, through: kilometres, by: 1) {
            guard let (t, i) = time(reaching: Double(km) * 1000, in: curve, from: index) else { break }
            let seconds = t - previousTime
            while h < hr.count, hr.t[h] < previousTime { h += 1 }
            var sum = 0.0, n = 0
            while h < hr.count, hr.t[h] < t {
                sum += hr.value[h]
                n += 1
                h += 1
            }
            let hrAvg = n == 0 ? nil : sum / Double(n)
            let elevation = value(at: t, altitude).flatMap { end in value(at: previousTime, altitude).map { end - $0 } }
            splits.append(Split(km: km, timeS: seconds, paceMinPerKm: seconds / 60, hrAvg: hrAvg, elevationM: elevation))
            previousTime = t
            index = i
        }
        return splits
    }

    /// The value of the sample nearest before or at `t` (the first sample for earlier times); nil for no samples.
    static func value(at t: Double, _ s: SampleSeries) -> Double? {
        guard !s.isEmpty else { return nil }
        var lo = 0, hi = s.count - 1
        if t <= s.t[0] { return s.value[0] }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if s.t[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return s.value[lo]
    }

    /// The shortest time to cover `metres` anywhere inside the exercise (two pointers over the curve; the start of a
    /// window is a sample, its end interpolated). nil when the exercise is shorter.
    public static func bestEffort(_ metres: Double, curve: SampleSeries) -> Double? {
        guard curve.count >= 2, (curve.value.last ?? 0) - curve.value[0] >= metres else { return nil }
        var best = Double.infinity
        var j = 1
        for i in 0 ..< curve.count - 1 {
            let target = curve.value[i] + metres
            if j <= i { j = i + 1 }
            while j < curve.count, curve.value[j] < target { j += 1 }
            guard j < curve.count else { break }
            let d0 = curve.value[j - 1], d1 = curve.value[j]
            let f = d1 > d0 ? (target - d0) / (d1 - d0) : 1
            let end = curve.t[j - 1] + f * (curve.t[j] - curve.t[j - 1])
            best = min(best, end - curve.t[i])
        }
        return best.isFinite ? best : nil
    }
}

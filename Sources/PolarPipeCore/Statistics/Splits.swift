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
/// cumulative haversine length of the valid route.
public enum Splits {
    /// The cumulative distance curve (t, metres), non-decreasing.
    public static func distanceCurve(_ samples: ExerciseSamples) -> SampleSeries {
        if samples.distance.count >= 2 {
            var curve = SampleSeries()
            var best = 0.0
            for i in 0 ..< samples.distance.count {
                best = max(best, samples.distance.value[i])
                curve.append(samples.distance.t[i], best)
            }
            return curve
        }
        let route = SampleFilters.validRoute(samples.route)
        guard route.count >= 2 else { return SampleSeries() }
        var curve = SampleSeries(t: [route.t[0]], value: [0])
        for i in 1 ..< route.count {
            curve.append(route.t[i], curve.value[i - 1]
                + Geo.haversine(route.latitude[i - 1], route.longitude[i - 1], route.latitude[i], route.longitude[i]))
        }
        return curve
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
    public static func compute(_ samples: ExerciseSamples) -> [Split] {
        let curve = distanceCurve(samples)
        guard curve.count >= 2, let last = curve.value.last, last >= 1000 else { return [] }
        let hr = SampleFilters.validHeartRate(samples.heartRate)
        let routeAltitudes = SampleFilters.validRoute(samples.route)
        let altitude: SampleSeries = routeAltitudes.altitude.contains(where: { !$0.isNaN })
            ? SampleSeries(t: routeAltitudes.t.indices.filter { !routeAltitudes.altitude[$0].isNaN }.map { routeAltitudes.t[$0] },
                           value: routeAltitudes.altitude.filter { !$0.isNaN })
            : samples.altitude
        var splits: [Split] = []
        var previousTime = curve.t[0]
        var index = 1
        var km = 1
        while let (t, i) = time(reaching: Double(km) * 1000, in: curve, from: index) {
            let seconds = t - previousTime
            let inSplit = hr.t.indices.filter { hr.t[$0] >= previousTime && hr.t[$0] < t }
            let hrAvg = inSplit.isEmpty ? nil : inSplit.map { hr.value[$0] }.reduce(0, +) / Double(inSplit.count)
            let elevation = value(at: t, altitude).flatMap { end in value(at: previousTime, altitude).map { end - $0 } }
            splits.append(Split(km: km, timeS: seconds, paceMinPerKm: seconds / 60, hrAvg: hrAvg, elevationM: elevation))
            previousTime = t
            index = i
            km += 1
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

/// The sample channels of one exercise as its records arrive: a channel takes a record's value only when it is
/// later than the channel's last sample (an equal time merges into the sample already there); an earlier one is
/// kept and the channels are put in time order at the end, the first of equal times kept.
struct FITChannels {
    private var samples = ExerciseSamples()
    private var unsorted = false
    private var lastHR = -Double.infinity, lastRoute = -Double.infinity, lastSpeed = -Double.infinity
    private var lastAltitude = -Double.infinity, lastDistanceT = -Double.infinity, lastCadence = -Double.infinity
    private var lastPower = -Double.infinity, lastTemperature = -Double.infinity
    /// Beats of a swim strap (`FITStrapHeartRate`), exercise time and bpm.
    private var strap = SampleSeries()
    private var firstDistance: Double?
    /// The last cumulative distance the device wrote in this exercise.
    private(set) var lastDistance: Double?

    /// One record's values (NaN = none) at `t` seconds from the exercise's start.
    mutating func append(_ t: Double, hr: Double, lat: Double, lon: Double, altitude: Double, speed: Double, distance: Double,
                         cadence: Double, power: Double, temperature: Double) {
        if hr > 0, Self.take(t, &lastHR, &unsorted) { samples.heartRate.append(t, hr) }
        if !lat.isNaN, !lon.isNaN, Self.take(t, &lastRoute, &unsorted) { samples.route.append(t, lat, lon, altitude) }
        if !speed.isNaN, Self.take(t, &lastSpeed, &unsorted) { samples.speed.append(t, speed * 3.6) }
        if !altitude.isNaN, Self.take(t, &lastAltitude, &unsorted) { samples.altitude.append(t, altitude) }
        if !distance.isNaN {
            if firstDistance == nil { firstDistance = distance }
            lastDistance = distance
            if Self.take(t, &lastDistanceT, &unsorted) { samples.distance.append(t, distance) }
        }
        if !cadence.isNaN, Self.take(t, &lastCadence, &unsorted) { samples.cadence.append(t, cadence) }
        if !power.isNaN, Self.take(t, &lastPower, &unsorted) { samples.power.append(t, power) }
        if !temperature.isNaN, Self.take(t, &lastTemperature, &unsorted) { samples.temperature.append(t, temperature) }
    }

    /// A pause of the timer that ended `t` seconds from the exercise's start, after `stoppedS` seconds.
    mutating func appendPause(_ t: Double, stoppedS: Double) { samples.pauses.append(t, stoppedS) }

    /// One beat a swim strap stored, `t` seconds from the exercise's start.
    mutating func appendStrapBeat(_ t: Double, bpm: Double) { strap.append(t, bpm) }

    /// Whether a channel whose last sample is at `last` takes a sample at `t`.
    @inline(__always)
    private static func take(_ t: Double, _ last: inout Double, _ unsorted: inout Bool) -> Bool {
        if t > last {
            last = t
            return true
        }
        if t < last {
            unsorted = true
            return true
        }
        return false
    }

    /// The channels, in time order; distance from the exercise's start when the device carried it on from the
    /// exercise before (`distanceBase`, the last distance of that exercise).
    func finished(distanceBase: Double?) -> ExerciseSamples {
        var s = samples
        s.pauses = SampleOrdering.sortedUnique(s.pauses)
        if let base = distanceBase, let first = firstDistance, first >= base {
            s.distance.value = s.distance.value.map { (($0 - base) * 100).rounded() / 100 }
        }
        if !strap.isEmpty {
            s.heartRate = Self.merged(records: unsorted ? SampleOrdering.sortedUnique(s.heartRate) : s.heartRate, strap: strap)
        }
        guard unsorted else { return s }
        s.heartRate = SampleOrdering.sortedUnique(s.heartRate)
        s.speed = SampleOrdering.sortedUnique(s.speed)
        s.altitude = SampleOrdering.sortedUnique(s.altitude)
        s.distance = SampleOrdering.sortedUnique(s.distance)
        s.cadence = SampleOrdering.sortedUnique(s.cadence)
        s.power = SampleOrdering.sortedUnique(s.power)
        s.temperature = SampleOrdering.sortedUnique(s.temperature)
        s.route = SampleOrdering.sortedUnique(s.route)
        return s
    }

    /// The records' HR with a swim strap's beats filling the seconds the records have no HR for: the beats of one
    /// whole second (a strap stores every beat, two or three a second) become one sample at that second, their mean.
    static func merged(records: SampleSeries, strap: SampleSeries) -> SampleSeries {
        let order = strap.t.indices.sorted { strap.t[$0] < strap.t[$1] }
        var seconds: [(t: Double, sum: Double, n: Double)] = []
        for i in order {
            let second = strap.t[i].rounded(.down)
            if let last = seconds.last, last.t == second {
                seconds[seconds.count - 1].sum += strap.value[i]
                seconds[seconds.count - 1].n += 1
            } else {
                seconds.append((second, strap.value[i], 1))
            }
        }
        let recorded = Set(records.t.map { $0.rounded(.down) })
        var out = records
        for s in seconds where !recorded.contains(s.t) { out.append(s.t, s.sum / s.n) }
        return SampleOrdering.sortedUnique(out)
    }
}

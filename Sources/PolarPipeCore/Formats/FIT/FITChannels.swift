/// The sample channels of one exercise as its records arrive: a channel takes a record's value only when it is
/// later than the channel's last sample (an equal time merges into the sample already there); an earlier one is
/// kept and the channels are put in time order at the end, the first of equal times kept.
struct FITChannels {
    private var samples = ExerciseSamples()
    private var unsorted = false
    private var lastHR = -Double.infinity, lastRoute = -Double.infinity, lastSpeed = -Double.infinity
    private var lastAltitude = -Double.infinity, lastDistanceT = -Double.infinity, lastCadence = -Double.infinity
    private var lastPower = -Double.infinity
    private var firstDistance: Double?
    /// The last cumulative distance the device wrote in this exercise.
    private(set) var lastDistance: Double?

    /// One record's values (NaN = none) at `t` seconds from the exercise's start.
    mutating func append(_ t: Double, hr: Double, lat: Double, lon: Double, altitude: Double, speed: Double, distance: Double,
                         cadence: Double, power: Double) {
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
    }

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
        if let base = distanceBase, let first = firstDistance, first >= base {
            s.distance.value = s.distance.value.map { (($0 - base) * 100).rounded() / 100 }
        }
        guard unsorted else { return s }
        s.heartRate = SampleOrdering.sortedUnique(s.heartRate)
        s.speed = SampleOrdering.sortedUnique(s.speed)
        s.altitude = SampleOrdering.sortedUnique(s.altitude)
        s.distance = SampleOrdering.sortedUnique(s.distance)
        s.cadence = SampleOrdering.sortedUnique(s.cadence)
        s.power = SampleOrdering.sortedUnique(s.power)
        s.route = SampleOrdering.sortedUnique(s.route)
        return s
    }
}

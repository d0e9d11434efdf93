/// The sample channels of one exercise as its records arrive: a channel takes a record's value only when it is
/// later than the channel's last sample (an equal time merges into the sample already there; an earlier one is
/// kept and the channel sorted at the end).
struct FITChannels {
    private var samples = ExerciseSamples()
    private var unsorted = false
    private var firstDistance: Double?
    /// The last cumulative distance the device wrote in this exercise.
    private(set) var lastDistance: Double?

    mutating func append(_ t: Double, record i: Int, _ r: FITActivity.Records) {
        let hr = r.heartRate[i]
        if hr > 0, accepts(t, samples.heartRate.t) { samples.heartRate.append(t, hr) }
        let lat = r.latitude[i], lon = r.longitude[i]
        if !lat.isNaN, !lon.isNaN, accepts(t, samples.route.t) { samples.route.append(t, lat, lon, r.altitude[i]) }
        append(t, r.speed[i] * 3.6, \.speed)
        append(t, r.altitude[i], \.altitude)
        let distance = r.distance[i]
        if !distance.isNaN {
            if firstDistance == nil { firstDistance = distance }
            lastDistance = distance
        }
        append(t, distance, \.distance)
        append(t, r.cadence[i], \.cadence)
        append(t, r.power[i], \.power)
    }

    @inline(__always)
    private mutating func append(_ t: Double, _ value: Double, _ channel: WritableKeyPath<ExerciseSamples, SampleSeries>) {
        if !value.isNaN, accepts(t, samples[keyPath: channel].t) { samples[keyPath: channel].append(t, value) }
    }

    @inline(__always)
    private mutating func accepts(_ t: Double, _ times: [Double]) -> Bool {
        guard let last = times.last else { return true }
        if t > last { return true }
        if t < last {
            // Put in order (first of equal times kept) when finished.
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

/// The range filters of SPEC §2, shared by the load tasks and the statistics.
public enum SampleFilters {
    /// Valid heart rate: 30 ≤ bpm ≤ 250.
    @inline(__always)
    public static func isValidHeartRate(_ bpm: Double) -> Bool { bpm >= 30 && bpm <= 250 }

    /// Valid GPS: −90 ≤ lat ≤ 90, −180 ≤ lon ≤ 180, and not (0, 0).
    @inline(__always)
    public static func isValidPosition(_ lat: Double, _ lon: Double) -> Bool {
        lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)
    }

    /// The valid heart-rate samples of a series.
    public static func validHeartRate(_ s: SampleSeries) -> SampleSeries {
        if s.value.allSatisfy(isValidHeartRate) { return s }
        var out = SampleSeries()
        for i in 0 ..< s.count where isValidHeartRate(s.value[i]) { out.append(s.t[i], s.value[i]) }
        return out
    }

    /// The valid points of a route.
    public static func validRoute(_ r: RouteSeries) -> RouteSeries {
        if zip(r.latitude, r.longitude).allSatisfy({ isValidPosition($0, $1) }) { return r }
        var out = RouteSeries()
        for i in 0 ..< r.count where isValidPosition(r.latitude[i], r.longitude[i]) {
            out.append(r.t[i], r.latitude[i], r.longitude[i], r.altitude[i])
        }
        return out
    }
}

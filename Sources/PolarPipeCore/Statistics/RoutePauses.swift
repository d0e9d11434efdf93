/// Route legs across a pause of the recording (`ExerciseSamples.pauses`): the straight line from where the watch
/// stopped to where it started again is not a distance the athlete covered (a GPX file of a paused recording joins
/// its segments by kilometres of it), so such a leg adds nothing to the GPS distance, the route's distance curve
/// (splits, best efforts) or the moving time from GPS. A gap in the points that the file does not call a pause (a GPS
/// outage in a tunnel) still counts its straight line, as SPEC §4.1's sum between consecutive valid points says.
public enum RoutePauses {
    /// For each point `i` of times `t` (increasing), whether the leg from point i − 1 to i spans a pause: a resume
    /// time r with t[i − 1] < r ≤ t[i]. Point 0 has no leg (false).
    public static func legsAcross(_ t: [Double], pauses: SampleSeries) -> [Bool] {
        var across = [Bool](repeating: false, count: t.count)
        guard t.count >= 2, !pauses.isEmpty else { return across }
        let resumes = pauses.t.filter(\.isFinite).sorted()
        var j = 0
        for i in 1 ..< t.count {
            while j < resumes.count, resumes[j] <= t[i - 1] { j += 1 }
            across[i] = j < resumes.count && resumes[j] <= t[i]
        }
        return across
    }

    /// The sum of haversine distances between consecutive points, legs across a pause left out; nil with fewer
    /// than two points.
    public static func pathLength(_ route: RouteSeries, pauses: SampleSeries) -> Double? {
        guard route.count >= 2 else { return nil }
        let across = legsAcross(route.t, pauses: pauses)
        var total = 0.0
        for i in 1 ..< route.count where !across[i] {
            total += Geo.haversine(route.latitude[i - 1], route.longitude[i - 1], route.latitude[i], route.longitude[i])
        }
        return total
    }
}

/// Elevation gain and loss with hysteresis (SPEC §4.1): noise below `threshold` metres is ignored, which keeps
/// noisy watch altitude from inflating the climb.
///
/// The altitude comes from the barometric ALTITUDE channel when it has a usable value, else from the route's GPS
/// altitudes, which are much noisier.
public enum Elevation {
    public static let defaultThreshold = 3.0

    /// The altitude series statistics use: the barometric samples when any is plausible, else the route's
    /// altitudes; missing (NaN) and implausible values and leading zeros (the altimeter warming up) dropped.
    /// `route` should hold only valid points.
    public static func altitudeSeries(barometric: SampleSeries, route: RouteSeries) -> SampleSeries {
        let range = SamplePlausibility.altitudeM
        var series = SampleSeries()
        for i in 0 ..< barometric.count where range.contains(barometric.value[i]) {
            if series.isEmpty, barometric.value[i] == 0 { continue }
            series.append(barometric.t[i], barometric.value[i])
        }
        if !series.isEmpty { return series }
        for i in 0 ..< route.count where range.contains(route.altitude[i]) {
            if series.isEmpty, route.altitude[i] == 0 { continue }
            series.append(route.t[i], route.altitude[i])
        }
        return series
    }

    /// Gain and loss of `altitudes` after dropping missing values (NaN) and leading zeros (the altimeter warming
    /// up). nil when no altitude remains.
    public static func gainLoss(_ altitudes: [Double], threshold h: Double = defaultThreshold) -> (gain: Double, loss: Double)? {
        var values = altitudes.lazy.filter { !$0.isNaN }.makeIterator()
        var ref: Double?
        while let a = values.next() {
            if a != 0 { ref = a; break }
        }
        guard var reference = ref else { return nil }
        var gain = 0.0
        var loss = 0.0
        while let a = values.next() {
            if a > reference + h {
                gain += a - reference
                reference = a
            } else if a < reference - h {
                loss += reference - a
                reference = a
            }
        }
        return (gain, loss)
    }
}

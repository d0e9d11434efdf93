/// Elevation gain and loss with hysteresis (SPEC §4.1): noise below `threshold` metres is ignored, which keeps
/// noisy watch altitude from inflating the climb.
public enum Elevation {
    public static let defaultThreshold = 3.0

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

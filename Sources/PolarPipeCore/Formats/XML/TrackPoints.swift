/// The points of one TCX activity or GPX track as read, timed by UTC epoch milliseconds, before the exercise's start
/// is known; `samples(from:)` turns them into `ExerciseSamples` timed from the start.
struct TrackPoints {
    private(set) var heartRate: [(Int64, Double)] = []
    private(set) var speedKmh: [(Int64, Double)] = []
    private(set) var distance: [(Int64, Double)] = []
    private(set) var power: [(Int64, Double)] = []
    private(set) var cadence: [(Int64, Double)] = []
    private(set) var temperature: [(Int64, Double)] = []
    private(set) var route: [(Int64, Double, Double, Double)] = []
    /// Where the recording resumed after a pause, and how long it had stopped, s (`ExerciseSamples.pauses`).
    private(set) var pauses: [(Int64, Double)] = []
    /// The earliest and latest time of a point.
    private(set) var first: Int64?
    private(set) var last: Int64?

    /// One point's values; nil ones are absent from the file.
    struct Point {
        var time: Int64
        var latitude: Double?
        var longitude: Double?
        /// GPS (or unknown) altitude: it goes to the route, not to the barometric `altitude` channel.
        var altitude: Double?
        var distance: Double?
        var heartRate: Double?
        var speedKmh: Double?
        var power: Double?
        var cadence: Double?
        /// °C.
        var temperature: Double?
    }

    /// Records that the recording resumed at `time` after stopping at `stoppedAt`.
    mutating func pause(resumingAt time: Int64, stoppedAt: Int64) {
        let (stopped, overflow) = time.subtractingReportingOverflow(stoppedAt)
        pauses.append((time, overflow ? 0 : Double(max(0, stopped)) / 1000))
    }

    mutating func append(_ p: Point) {
        first = Swift.min(first ?? p.time, p.time)
        last = Swift.max(last ?? p.time, p.time)
        if let v = p.heartRate { heartRate.append((p.time, v)) }
        if let v = p.speedKmh { speedKmh.append((p.time, v)) }
        if let v = p.distance { distance.append((p.time, v)) }
        if let v = p.power { power.append((p.time, v)) }
        if let v = p.cadence { cadence.append((p.time, v)) }
        if let v = p.temperature { temperature.append((p.time, v)) }
        if let lat = p.latitude, let lon = p.longitude { route.append((p.time, lat, lon, p.altitude ?? .nan)) }
    }

    /// The samples timed in seconds from `startMillis`, sorted, one per time; points before the start are dropped
    /// and counted.
    func samples(from startMillis: Int64) -> (samples: ExerciseSamples, beforeStart: Int) {
        var dropped = 0
        func series(_ points: [(Int64, Double)]) -> SampleSeries {
            var s = SampleSeries()
            for (time, value) in points {
                guard time >= startMillis else { dropped += 1; continue }
                s.append(Double(time - startMillis) / 1000, value)
            }
            return SampleOrdering.sortedUnique(s)
        }
        var samples = ExerciseSamples()
        samples.heartRate = series(heartRate)
        samples.speed = series(speedKmh)
        samples.distance = series(distance)
        samples.power = series(power)
        samples.cadence = series(cadence)
        samples.temperature = series(temperature)
        samples.pauses = series(pauses)
        var r = RouteSeries()
        for (time, lat, lon, alt) in route {
            guard time >= startMillis else { dropped += 1; continue }
            r.append(Double(time - startMillis) / 1000, lat, lon, alt)
        }
        samples.route = SampleOrdering.sortedUnique(r)
        return (samples, dropped)
    }
}

/// Reading numbers from XML text and attributes: finite values only, within a plausible range for the field, so
/// that no value from a file is used unchecked.
enum TextNumber {
    static func value(_ text: String?, in range: ClosedRange<Double>) -> Double? {
        guard let text, let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, range.contains(v) else { return nil }
        return v
    }

    /// A device's temperature sensor, °C (FIT's field is a signed byte; the extensions' values are kept to that).
    static func temperature(_ text: String?) -> Double? { value(text, in: -127 ... 127) }

    static func latitude(_ text: String?) -> Double? { value(text, in: -90 ... 90) }
    static func longitude(_ text: String?) -> Double? { value(text, in: -180 ... 180) }
}

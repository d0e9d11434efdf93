import PolarPipeCore

/// Writes a generated session as Polar Flow's per-session TCX export: UTC times with milliseconds and `Z`, an
/// `Activity` `Id` one second before the first lap's `StartTime` (as Polar writes it), one lap per ten minutes
/// (calories on the first lap only), trackpoints a second with heart rate, position, GPS altitude, distance, and the
/// speed in m/s under Polar's `ns3:TPX` prefix of Garmin's activity extension.
enum TCXWriter {
    static let lapSeconds = 600

    static func write(_ base: GeneratedSession) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .tcx
        let e = base.exercises[0]
        let n = e.heartRate.count
        let utcStart = e.startLocalMillis - Int64(e.tzOffsetMinutes) * 60_000
        var routeAt: [Int: Int] = [:]
        for i in 0 ..< e.route.count { routeAt[Int(e.route.t[i])] = i }

        var w = JSONWriter()
        w.reserve(n * 420 + 4096)
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\"")
        w.raw(" xmlns:ns3=\"http://www.garmin.com/xmlschemas/ActivityExtension/v2\">\n<Activities>\n")
        w.raw("<Activity Sport=\"\(sportName(e.sport))\">\n<Id>\(PolarTime.formatUTC(millis: utcStart - 1000))</Id>\n")
        var lapTimes: [Double] = []
        var previousDistance = 0.0
        for lapStart in stride(from: 0, to: max(n, 1), by: lapSeconds) {
            let lapEnd = min(n, lapStart + lapSeconds)
            let lapTime = lapEnd == n ? ((e.durationS - Double(lapStart)) * 1000).rounded() / 1000 : Double(lapEnd - lapStart)
            let valid = e.heartRate[lapStart ..< lapEnd].compactMap { $0 }.filter { $0 >= 30 && $0 <= 250 }
            let lapDistance = (lapStart ..< lapEnd).compactMap { e.distance[$0] }.last ?? previousDistance
            w.raw("<Lap StartTime=\"\(PolarTime.formatUTC(millis: utcStart + Int64(lapStart) * 1000))\">\n")
            w.raw("<TotalTimeSeconds>\(lapTime)</TotalTimeSeconds>\n<DistanceMeters>\(lapDistance - previousDistance)</DistanceMeters>\n")
            w.raw("<Calories>\(lapStart == 0 ? e.calories : 0)</Calories>\n")
            if !valid.isEmpty {
                w.raw("<AverageHeartRateBpm><Value>\(Int(valid.reduce(0, +) / Double(valid.count)))</Value></AverageHeartRateBpm>\n")
                w.raw("<MaximumHeartRateBpm><Value>\(Int(valid.max() ?? 0))</Value></MaximumHeartRateBpm>\n")
            }
            w.raw("<Intensity>Active</Intensity>\n<TriggerMethod>Manual</TriggerMethod>\n<Track>\n")
            for i in lapStart ..< lapEnd {
                w.raw("<Trackpoint>\n<Time>\(PolarTime.formatUTC(millis: utcStart + Int64(i) * 1000))</Time>\n")
                if let r = routeAt[i] {
                    w.raw("<Position><LatitudeDegrees>\(e.route.latitude[r])</LatitudeDegrees>")
                    w.raw("<LongitudeDegrees>\(e.route.longitude[r])</LongitudeDegrees></Position>\n")
                    if !e.route.altitude[r].isNaN { w.raw("<AltitudeMeters>\(e.route.altitude[r])</AltitudeMeters>\n") }
                }
                if let d = e.distance[i] { w.raw("<DistanceMeters>\(d)</DistanceMeters>\n") }
                if let hr = e.heartRate[i] { w.raw("<HeartRateBpm><Value>\(Int(hr))</Value></HeartRateBpm>\n") }
                if let kmh = e.speed[i] { w.raw("<Extensions><ns3:TPX><ns3:Speed>\(kmh / 3.6)</ns3:Speed></ns3:TPX></Extensions>\n") }
                w.raw("<SensorState>Present</SensorState>\n</Trackpoint>\n")
            }
            w.raw("</Track>\n</Lap>\n")
            lapTimes.append(lapTime)
            previousDistance = lapDistance
        }
        w.raw("<Creator><Name>Polar Vantage V3</Name></Creator>\n</Activity>\n</Activities>\n</TrainingCenterDatabase>\n")

        var stated = e
        stated.startLocalMillis = utcStart  // the file states UTC and no offset
        stated.tzOffsetMinutes = 0
        stated.durationS = lapTimes.reduce(0, +)
        stated.speed = e.speed.map { $0.map { $0 / 3.6 * 3.6 } }
        stated.altitude = [Double?](repeating: nil, count: n)  // GPS altitude only, in the route
        session.exercises = [stated]
        session.relativePath = "training-session-\(PolarTime.format(millis: e.startLocalMillis).prefix(10))-\(base.details.numericID).tcx"
        return (w.bytes, session)
    }

    /// TCX knows three sports.
    static func sportName(_ sport: String) -> String {
        switch sport {
        case "RUNNING": return "Running"
        case "CYCLING": return "Biking"
        default: return "Other"
        }
    }
}

/// The TCX element handler: a small state machine over `XMLStreamReader`'s events that fills one `TCXActivity` per
/// `Activity` element.
final class TCXHandler: XMLContentHandler {
    /// The TCX schema's namespace; elements without a namespace are accepted too (files that omit `xmlns`).
    static let tcxNamespaces: Set<String> = ["http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2", ""]
    /// Garmin's activity extension (`TPX`, `LX`), under whatever prefix the writer chose.
    static let extensionNamespaces: Set<String> = [
        "http://www.garmin.com/xmlschemas/ActivityExtension/v2", "http://www.garmin.com/xmlschemas/ActivityExtension/v1", "",
    ]
    /// Garmin's TrackPointExtension, whose `atemp` (air) and `wtemp` (water) temperatures TCX writers that record a
    /// temperature put in a trackpoint's `Extensions` (TCX itself has no temperature), under any prefix.
    static let temperatureNamespaces: Set<String> = [
        "http://www.garmin.com/xmlschemas/TrackPointExtension/v1", "http://www.garmin.com/xmlschemas/TrackPointExtension/v2",
    ]

    private(set) var activities: [TCXActivity] = []
    private(set) var rootIsTCX = false
    private var stack: [XMLName] = []
    private var activity: TCXActivity?
    private var lap: TCXLap?
    private var point: PointFields?
    /// `Track` elements begun in the current lap: each after the first follows a pause.
    private var tracksInLap = 0
    private var pauseBeforeNextPoint = false
    /// The time of the activity's last timed trackpoint.
    private var lastPointTime: Int64?

    /// The values of the trackpoint being read.
    private struct PointFields {
        var time: XMLTime.Instant?
        var timeText: String?
        var fields = TrackPoints.Point(time: 0)
    }

    private func isCore(_ name: XMLName) -> Bool { Self.tcxNamespaces.contains(name.namespace) }

    func start(_ name: XMLName, attributes: [String: String]) {
        defer { stack.append(name) }
        if stack.isEmpty {
            rootIsTCX = name.local == "TrainingCenterDatabase" && isCore(name)
            return
        }
        guard isCore(name) else { return }
        switch name.local {
        case "Activity":
            activity = TCXActivity(sportRaw: attributes["Sport"] ?? "Other")
            lastPointTime = nil
            pauseBeforeNextPoint = false
        case "Track" where lap != nil:
            tracksInLap += 1
            if tracksInLap > 1 { pauseBeforeNextPoint = true }
        case "Lap" where activity != nil:
            tracksInLap = 0
            let text = attributes["StartTime"]
            lap = TCXLap(start: text.flatMap(XMLTime.instant), startText: text)
            if text != nil, lap?.start == nil { activity?.badTimes += 1 }
        case "Trackpoint" where activity != nil:
            point = PointFields()
        default:
            break
        }
    }

    func end(_ name: XMLName, text: String) {
        stack.removeLast()
        let parent = stack.last?.local ?? ""
        if Self.temperatureNamespaces.contains(name.namespace), point != nil {
            // The air temperature; the water temperature when the point has no air temperature (a swim).
            if name.local == "atemp", let v = TextNumber.temperature(text) { point?.fields.temperature = v }
            if name.local == "wtemp", point?.fields.temperature == nil { point?.fields.temperature = TextNumber.temperature(text) }
            return
        }
        if Self.extensionNamespaces.contains(name.namespace), parent == "TPX", point != nil {
            switch name.local {
            case "Speed": point?.fields.speedKmh = TextNumber.value(text, in: 0 ... 1000).map { $0 * 3.6 }
            case "Watts": point?.fields.power = TextNumber.value(text, in: 0 ... 10_000)
            case "RunCadence": point?.fields.cadence = TextNumber.value(text, in: 0 ... 1000)
            default: break
            }
            return
        }
        guard isCore(name) else { return }
        switch (name.local, parent) {
        case ("Activity", _):
            if let activity { activities.append(activity) }
            activity = nil
        case ("Id", "Activity"): activity?.id = text
        case ("Name", "Creator") where stack.count >= 2 && stack[stack.count - 2].local == "Activity":
            activity?.creator = text
        case ("Lap", _):
            if let lap { activity?.laps.append(lap) }
            lap = nil
        case ("TotalTimeSeconds", "Lap"): lap?.totalTimeS = TextNumber.value(text, in: 0 ... 31_622_400)
        case ("DistanceMeters", "Lap"): lap?.distanceM = TextNumber.value(text, in: 0 ... 100_000_000)
        case ("Calories", "Lap"): lap?.calories = TextNumber.value(text, in: 0 ... 1_000_000)
        case ("Value", "AverageHeartRateBpm") where point == nil: lap?.avgHR = TextNumber.value(text, in: 0 ... 400)
        case ("Value", "MaximumHeartRateBpm") where point == nil: lap?.maxHR = TextNumber.value(text, in: 0 ... 400)
        case ("Trackpoint", _):
            finishPoint()
        case ("Time", "Trackpoint"):
            point?.timeText = text
            point?.time = XMLTime.instant(text)
        case ("LatitudeDegrees", "Position"): point?.fields.latitude = TextNumber.latitude(text)
        case ("LongitudeDegrees", "Position"): point?.fields.longitude = TextNumber.longitude(text)
        case ("AltitudeMeters", "Trackpoint"): point?.fields.altitude = TextNumber.value(text, in: -1000 ... 10_000)
        case ("DistanceMeters", "Trackpoint"): point?.fields.distance = TextNumber.value(text, in: 0 ... 100_000_000)
        case ("Value", "HeartRateBpm"): point?.fields.heartRate = TextNumber.value(text, in: 0 ... 400)
        case ("Cadence", "Trackpoint"): point?.fields.cadence = TextNumber.value(text, in: 0 ... 1000)
        default: break
        }
    }

    private func finishPoint() {
        guard let p = point else { return }
        point = nil
        guard let time = p.time else {
            if p.timeText != nil { activity?.badTimes += 1 } else { activity?.pointsWithoutTime += 1 }
            return
        }
        var fields = p.fields
        fields.time = time.utcMillis
        if pauseBeforeNextPoint, let last = lastPointTime { activity?.points.pause(resumingAt: time.utcMillis, stoppedAt: last) }
        pauseBeforeNextPoint = false
        lastPointTime = time.utcMillis
        activity?.points.append(fields)
    }
}

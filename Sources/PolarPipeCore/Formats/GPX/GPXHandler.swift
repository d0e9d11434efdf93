/// The GPX element handler: collects every track point of every track (`trk/trkseg/trkpt`) with its segment, time,
/// elevation and the heart rate, cadence, power, speed and temperature of the common extensions.
final class GPXHandler: XMLContentHandler {
    /// GPX 1.1 and 1.0; elements without a namespace are accepted too.
    static let gpxNamespaces: Set<String> = ["http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0", ""]
    /// Extensions whose `hr`, `cad`, `power`, `speed`, `atemp`/`wtemp` (`temp`) elements are read, whatever their prefix: Garmin's
    /// TrackPointExtension v1/v2 and PowerExtension, ClueTrust's gpxdata, and the GPX namespace itself (Strava's
    /// `<power>`). The empty namespace is an undeclared prefix (`gpxdata:hr` without `xmlns:gpxdata`).
    static let extensionNamespaces: Set<String> = [
        "http://www.garmin.com/xmlschemas/TrackPointExtension/v1", "http://www.garmin.com/xmlschemas/TrackPointExtension/v2",
        "http://www.garmin.com/xmlschemas/PowerExtension/v1", "http://www.cluetrust.com/XML/GPXDATA/1/0",
        "http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0", "",
    ]

    /// One `trkpt` as read: its segment, its time (nil when it has none) and its values (`fields.time` unset,
    /// `fields.altitude` the `<ele>`).
    struct Point {
        var segment: Int
        var time: XMLTime.Instant?
        var fields = TrackPoints.Point(time: 0)
    }

    private(set) var points: [Point] = []
    private(set) var rootIsGPX = false
    private(set) var creator: String?
    private(set) var metadataTime: XMLTime.Instant?
    private(set) var trackName: String?
    private(set) var trackType: String?
    private(set) var tracks = 0
    private(set) var badTimes = 0
    private var segments = 0
    private var stack: [XMLName] = []
    private var point: Point?
    private var inExtensions = 0

    private func isGPX(_ name: XMLName) -> Bool { Self.gpxNamespaces.contains(name.namespace) }

    func start(_ name: XMLName, attributes: [String: String]) {
        defer { stack.append(name) }
        if stack.isEmpty {
            rootIsGPX = name.local == "gpx" && isGPX(name)
            creator = attributes["creator"]
            return
        }
        if name.local == "extensions", isGPX(name) { inExtensions += 1 }
        guard isGPX(name) else { return }
        switch name.local {
        case "trk": tracks += 1
        case "trkseg": segments += 1
        case "trkpt":
            point = Point(segment: segments)
            point?.fields.latitude = TextNumber.latitude(attributes["lat"])
            point?.fields.longitude = TextNumber.longitude(attributes["lon"])
        default: break
        }
    }

    func end(_ name: XMLName, text: String) {
        stack.removeLast()
        let parent = stack.last?.local ?? ""
        if name.local == "extensions", isGPX(name) { inExtensions -= 1; return }
        if inExtensions > 0 {
            if point != nil, Self.extensionNamespaces.contains(name.namespace) { readExtension(name.local, text) }
            return
        }
        guard isGPX(name) else { return }
        switch (name.local, parent) {
        case ("trkpt", _):
            if let point { points.append(point) }
            point = nil
        case ("time", "trkpt"):
            point?.time = XMLTime.instant(text)
            if point?.time == nil { badTimes += 1 }
        case ("ele", "trkpt"): point?.fields.altitude = TextNumber.value(text, in: -1000 ... 10_000)
        case ("speed", "trkpt"): point?.fields.speedKmh = TextNumber.value(text, in: 0 ... 1000).map { $0 * 3.6 }
        case ("time", "metadata"), ("time", "gpx"): metadataTime = XMLTime.instant(text)
        case ("name", "trk") where trackName == nil: trackName = text
        case ("type", "trk") where trackType == nil: trackType = text
        default: break
        }
    }

    private func readExtension(_ local: String, _ text: String) {
        switch local {
        case "hr", "heartrate": point?.fields.heartRate = TextNumber.value(text, in: 0 ... 400)
        case "cad", "cadence": point?.fields.cadence = TextNumber.value(text, in: 0 ... 1000)
        case "power", "PowerInWatts", "watts": point?.fields.power = TextNumber.value(text, in: 0 ... 10_000)
        case "speed": point?.fields.speedKmh = TextNumber.value(text, in: 0 ... 1000).map { $0 * 3.6 }
        // The air temperature; the water temperature when the point has no air temperature (a swim).
        case "atemp", "temp", "temperature":
            if let v = TextNumber.temperature(text) { point?.fields.temperature = v }
        case "wtemp" where point?.fields.temperature == nil: point?.fields.temperature = TextNumber.temperature(text)
        default: break
        }
    }
}

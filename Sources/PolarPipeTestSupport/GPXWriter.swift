import PolarPipeCore

/// Writes a generated session as a Garmin Connect style GPX 1.1 track: one `trkpt` a GPS fix (points before the
/// first fix have no position, so a GPX cannot hold them: the track starts at the first fix), `<ele>` GPS altitude,
/// UTC times, heart rate under the `gpxtpx:TrackPointExtension` prefix, and a new `trkseg` where the GPS jumps (more
/// than 500 m between two fixes), as a device that lost the signal would write it.
enum GPXWriter {
    static func write(_ base: GeneratedSession) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .gpx
        let full = base.exercises[0]
        let firstFix = full.route.t.first.map { Int($0) } ?? 0
        var e = full.part(from: firstFix, to: full.heartRate.count, sport: full.sport)
        let utcStart = e.startLocalMillis - Int64(full.tzOffsetMinutes) * 60_000

        var w = JSONWriter()
        w.reserve(e.route.count * 300 + 2048)
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"polarpipe generate\"")
        w.raw(" xmlns=\"http://www.topografix.com/GPX/1/1\" xmlns:gpxtpx=\"http://www.garmin.com/xmlschemas/TrackPointExtension/v1\">\n")
        w.raw("<metadata><time>\(PolarTime.formatUTC(millis: utcStart))</time></metadata>\n")
        w.raw("<trk><name>\(e.sport.lowercased())</name><type>\(e.sport.lowercased())</type>\n<trkseg>\n")
        var distance = [Double?](repeating: nil, count: e.heartRate.count)
        var total = 0.0
        for i in 0 ..< e.route.count {
            let (lat, lon) = (e.route.latitude[i], e.route.longitude[i])
            if i > 0 {
                let step = Geo.haversine(e.route.latitude[i - 1], e.route.longitude[i - 1], lat, lon)
                if step > 500 { w.raw("</trkseg>\n<trkseg>\n") } else { total += step }
            }
            let second = Int(e.route.t[i])
            if second < distance.count { distance[second] = total }
            w.raw("<trkpt lat=\"\(lat)\" lon=\"\(lon)\">")
            if !e.route.altitude[i].isNaN { w.raw("<ele>\(e.route.altitude[i])</ele>") }
            w.raw("<time>\(PolarTime.formatUTC(millis: utcStart + Int64(second) * 1000))</time>")
            if second < e.heartRate.count, let hr = e.heartRate[second] {
                w.raw("<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>\(Int(hr))</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>")
            }
            w.raw("</trkpt>\n")
        }
        w.raw("</trkseg>\n</trk>\n</gpx>\n")

        // What the file states: UTC, no offset, only the seconds with a fix, distance from positions within segments.
        let fixes = Set(e.route.t.map { Int($0) })
        e.startLocalMillis = utcStart
        e.tzOffsetMinutes = 0
        e.durationS = e.route.t.last ?? 0
        e.reportedDistanceM = total
        e.heartRate = e.heartRate.indices.map { fixes.contains($0) ? e.heartRate[$0] : nil }
        e.speed = [Double?](repeating: nil, count: e.heartRate.count)
        e.altitude = e.speed
        e.distance = distance
        session.exercises = [e]
        session.relativePath = "training-session-\(PolarTime.format(millis: full.startLocalMillis).prefix(10))-\(base.details.numericID).gpx"
        return (w.bytes, session)
    }
}

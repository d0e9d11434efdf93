import Foundation

/// Decodes GPX 1.0/1.1 tracks into one exercise: every `trkpt` of every `trk` and `trkseg`, with `<time>`, `<ele>`
/// (GPS altitude: it goes to the route, never to the barometric channel) and the heart rate, cadence, power and speed
/// of Garmin's TrackPointExtension, PowerExtension and ClueTrust's gpxdata, matched by namespace URI.
///
/// Distance is summed from positions *within* each segment: a gap between two segments (the watch paused, or lost
/// the signal, and the file says so) adds nothing, and each segment after the first is a pause
/// (`ExerciseSamples.pauses`), so the GPS distance, splits and moving time of the statistics leave it out too. Times are UTC (`Z`: `tzOffsetMinutes` nil with a
/// `missing-timezone` warning) unless a time states an offset.
///
/// A track without any `<time>` loads its route and distance with a `gpx-no-times` warning, starting at the file's
/// `metadata/time`: a duration of 0 (`Exercise.untimed`), its points in file order a nominal second apart, and no
/// statistic that needs time (speed, pace, moving time, zones, TRIMP, splits). With no time anywhere in the file the
/// session cannot be placed on a date and is quarantined as `gpx-no-times`.
enum GPXDecoder {
    static func decode(_ bytes: [UInt8], limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        let handler = GPXHandler()
        guard let undeclared = XMLStreamReader.read(bytes, limits: limits, handler: handler, reader: &reader) else { return nil }
        guard handler.rootIsGPX else {
            reader.error("gpx-no-track", "$", "the root element is not a GPX 1.0/1.1 gpx element")
            return nil
        }
        guard !handler.points.isEmpty else {
            reader.error("gpx-no-track", "$.trk", "the file has no track point (waypoints and routes are not exercises)")
            return nil
        }
        if undeclared {
            reader.warning("xml-undeclared-prefix", "$", "an element uses a namespace prefix the file does not declare; read by its local name")
        }
        if handler.badTimes > 0 {
            reader.warning("bad-timestamp", "$.trk.trkseg.trkpt.time", "\(handler.badTimes) times that are not ISO-8601 instants ignored")
        }
        guard let exercise = exercise(handler, reader: &reader) else { return nil }
        return TrainingSession(layout: .gpx, deviceID: handler.creator, exercises: [exercise])
    }

    private static func exercise(_ handler: GPXHandler, reader: inout FieldReader) -> Exercise? {
        let path = "$.trk"
        let timed = handler.points.contains { $0.time != nil }
        let start: XMLTime.Instant
        if timed {
            let earliest = handler.points.compactMap(\.time).min { $0.utcMillis < $1.utcMillis }
            guard let earliest else { return nil }
            start = earliest
        } else if let metadata = handler.metadataTime {
            start = metadata
            reader.warning("gpx-no-times", path, "the track points have no time: the route and distance are loaded at the file's "
                + "metadata time with a duration of 0, and nothing that needs time (speed, pace, zones, TRIMP, splits) is computed")
        } else {
            reader.error("gpx-no-times", path, "neither the track points nor the file's metadata have a time")
            return nil
        }
        var points = TrackPoints()
        var untimed = 0
        var total = 0.0
        var previous: (segment: Int, lat: Double, lon: Double)?
        var lastTimed: (segment: Int, time: Int64)?
        for (index, p) in handler.points.enumerated() {
            var fields = p.fields
            if let lat = fields.latitude, let lon = fields.longitude {
                if let prev = previous, prev.segment == p.segment { total += Geo.haversine(prev.lat, prev.lon, lat, lon) }
                previous = (p.segment, lat, lon)
            }
            let time: Int64
            if timed {
                guard let t = p.time?.utcMillis else { untimed += 1; continue }
                time = t
            } else {
                time = start.utcMillis + Int64(index) * 1000
            }
            fields.time = time
            // A new segment after a timed point: the recording was paused (`ExerciseSamples.pauses`).
            if let last = lastTimed, last.segment != p.segment { points.pause(resumingAt: time, stoppedAt: last.time) }
            lastTimed = (p.segment, time)
            if fields.latitude != nil && fields.longitude != nil { fields.distance = total }
            points.append(fields)
        }
        if untimed > 0 {
            reader.warning("malformed-samples", path + ".trkseg.trkpt", "\(untimed) track points without a time skipped")
        }
        var warned = false
        let offset = reader.timeZoneOffset(start.offsetMinutes, fallback: nil, path: path, key: "time-zone offset in its times",
                                           warned: &warned)
        let samples = points.samples(from: start.utcMillis).samples
        let sportRaw = handler.trackType.flatMap { $0.isEmpty ? nil : $0 }
        if sportRaw == nil {
            reader.warning("missing-sport", path + ".type", "the track has no type; the sport is OTHER")
        }
        var exercise = Exercise(
            sport: sportRaw.map(XMLSportNames.normalise) ?? "OTHER", sportRaw: sportRaw ?? "OTHER",
            startLocalMillis: start.utcMillis + Int64(offset ?? 0) * 60_000, tzOffsetMinutes: offset,
            durationS: timed ? points.last.map { Double($0 - start.utcMillis) / 1000 } ?? 0 : 0,
            distanceM: total > 0 ? total : nil, samples: samples)
        exercise.untimed = !timed
        exercise.raw = rawSummary(handler, timed: timed)
        return exercise
    }

    /// `raw`: the file's header as JSON.
    private static func rawSummary(_ handler: GPXHandler, timed: Bool) -> String {
        struct Raw: Encodable {
            var format = "gpx"
            var creator: String?
            var name: String?
            var type: String?
            var tracks: Int
            var points: Int
            var timed: Bool
        }
        return RawSummary.json(Raw(creator: handler.creator, name: handler.trackName, type: handler.trackType, tracks: handler.tracks,
                      points: handler.points.count, timed: timed))
    }
}

import Foundation

/// Decodes Garmin Training Center XML (TCX), as Polar Flow, Garmin Connect and Strava export a session: one exercise
/// per `Activity` (three for a multisport file), laps, and trackpoints with time, position, altitude, distance, heart
/// rate and cadence, plus the `TPX` extension's speed (m/s), watts and run cadence.
///
/// Quirks handled: elements matched by namespace URI, never by prefix (Polar writes `ns3:TPX`, Garmin `ns3:` or
/// `ax:`, others a default namespace); the activity `Id` can be 1–23 s before the first lap's start, so the start is
/// the first lap's `StartTime` (else the first trackpoint); trackpoints with only a time; fractional-second times;
/// times in UTC (`Z`, no local offset: `tzOffsetMinutes` nil with a `missing-timezone` warning) or with an offset.
/// TCX altitude is GPS (or unknown) altitude and goes to the route, never to the barometric channel.
/// A lap's second or later `Track` follows a pause of the recording (`ExerciseSamples.pauses`): the route leg
/// across it adds no GPS distance. Garmin's TrackPointExtension `atemp`/`wtemp` in a trackpoint is the temperature.
enum TCXDecoder {
    static func decode(_ bytes: [UInt8], limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        let handler = TCXHandler()
        guard XMLStreamReader.read(bytes, limits: limits, handler: handler, reader: &reader) != nil else { return nil }
        guard handler.rootIsTCX else {
            reader.error("tcx-no-activity", "$", "the root element is not a TrainingCenterDatabase")
            return nil
        }
        guard !handler.activities.isEmpty else {
            reader.error("tcx-no-activity", "$.Activities", "the file has no Activity (a course or an empty export)")
            return nil
        }
        var exercises: [Exercise] = []
        var warned = false
        for (index, activity) in handler.activities.enumerated() {
            let path = "$.Activities.Activity[\(index)]"
            if let exercise = activity.exercise(path: path, reader: &reader, warnedOffset: &warned) {
                exercises.append(exercise)
            }
        }
        if exercises.isEmpty, !reader.hasErrors {
            reader.error("tcx-no-activity", "$.Activities", "no Activity has a start time")
        }
        return TrainingSession(layout: .tcx, externalID: handler.activities.first?.id,
                               deviceID: handler.activities.first?.creator, exercises: exercises)
    }
}

/// One `Activity` as read.
struct TCXActivity {
    var sportRaw: String
    var id: String?
    var creator: String?
    var laps: [TCXLap] = []
    var points = TrackPoints()
    var pointsWithoutTime = 0
    var badTimes = 0

    /// The exercise, or nil (with an error) when the activity has no start time at all.
    func exercise(path: String, reader: inout FieldReader, warnedOffset: inout Bool) -> Exercise? {
        let idTime = id.flatMap(XMLTime.instant)
        guard let start = laps.first?.start ?? points.first.map({ XMLTime.Instant(utcMillis: $0, offsetMinutes: idTime?.offsetMinutes) }) ?? idTime
        else {
            reader.error("missing-field", path + ".Lap.StartTime", "the activity has no lap start, no timed trackpoint and no Id time")
            return nil
        }
        let offset = reader.timeZoneOffset(start.offsetMinutes, fallback: nil, path: path, key: "time-zone offset in its times",
                                           warned: &warnedOffset)
        let (samples, beforeStart) = points.samples(from: start.utcMillis)
        if pointsWithoutTime > 0 {
            reader.warning("malformed-samples", path + ".Trackpoint", "\(pointsWithoutTime) trackpoints without a time skipped")
        }
        if badTimes > 0 {
            reader.warning("bad-timestamp", path, "\(badTimes) times that are not ISO-8601 instants ignored")
        }
        if beforeStart > 0 {
            reader.warning("malformed-samples", path + ".Trackpoint", "\(beforeStart) values before the first lap's start skipped")
        }
        let lapTime = laps.reduce(0) { $0 + ($1.totalTimeS ?? 0) }
        let span = points.last.map { Double($0 - start.utcMillis) / 1000 } ?? 0
        let lapDistance = laps.reduce(0) { $0 + ($1.distanceM ?? 0) }
        let calories = laps.reduce(0) { $0 + ($1.calories ?? 0) }
        var exercise = Exercise(
            externalID: id, sport: XMLSportNames.normalise(sportRaw), sportRaw: sportRaw,
            startLocalMillis: start.utcMillis + Int64(offset ?? 0) * 60_000, tzOffsetMinutes: offset,
            durationS: lapTime > 0 ? lapTime : span,
            distanceM: lapDistance > 0 ? lapDistance : samples.distance.value.last.flatMap { $0 > 0 ? $0 : nil },
            calories: calories > 0 ? calories : nil, reportedHR: reportedHeartRate, samples: samples)
        exercise.raw = rawSummary
        return exercise
    }

    /// The laps' HR: the mean weighted by lap time, the highest maximum.
    var reportedHeartRate: ReportedHeartRate? {
        var weighted = 0.0
        var time = 0.0
        for lap in laps {
            guard let avg = lap.avgHR, let t = lap.totalTimeS, t > 0 else { continue }
            weighted += avg * t
            time += t
        }
        let hr = ReportedHeartRate(avg: time > 0 ? weighted / time : nil, max: laps.compactMap(\.maxHR).max())
        return hr == ReportedHeartRate() ? nil : hr
    }

    /// `raw`: the activity's header and lap summaries as JSON.
    var rawSummary: String {
        struct Raw: Encodable {
            var format = "tcx"
            var sport: String
            var id: String?
            var creator: String?
            var laps: [TCXLap]
        }
        return RawSummary.json(Raw(sport: sportRaw, id: id, creator: creator, laps: laps))
    }
}

/// One `Lap`'s summary values; encoded (in `raw`) under TCX's element names, the parsed start left out.
struct TCXLap: Encodable {
    var start: XMLTime.Instant?
    var startText: String?
    var totalTimeS: Double?
    var distanceM: Double?
    var calories: Double?
    var avgHR: Double?
    var maxHR: Double?

    enum CodingKeys: String, CodingKey {
        case startText = "startTime", totalTimeS = "totalTimeSeconds", distanceM = "distanceMeters", calories
        case avgHR = "averageHeartRateBpm", maxHR = "maximumHeartRateBpm"
    }
}

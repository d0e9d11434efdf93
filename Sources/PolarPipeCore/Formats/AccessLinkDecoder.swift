/// Decodes a Polar AccessLink v3 exercise (`GET /v3/exercises/{id}?samples=true&zones=true&route=true`, or the
/// transactional `…/exercises/{id}` object), POLAR_FORMATS.md §2.3–2.4.
///
/// Quirks handled: snake_case (real `/v3/exercises` payloads) and kebab-case (spec, transactional) keys; ids as
/// strings or integers; durations with H/M/S components and fractions; samples as comma-separated strings at
/// `recording_rate` seconds with empty or `null` entries; `sample_type` as a number or a string; route points timed
/// by ISO durations; the user from `polar_user`; no `distance` key for non-distance sports.
enum AccessLinkDecoder {
    /// Sample type codes (§2.4) → channel.
    static func channel(_ code: Int) -> WritableKeyPath<ExerciseSamples, SampleSeries>? {
        switch code {
        case 0: return \.heartRate
        case 1: return \.speed
        case 2, 8: return \.cadence
        case 3: return \.altitude
        case 4: return \.power
        case 10: return \.distance
        case 11: return \.rr
        default: return nil
        }
    }

    /// The first of the two spellings of a key that is present.
    static func key(_ object: JSONValue, _ snake: StaticString, _ kebab: StaticString) -> StaticString {
        object[snake] != nil ? snake : (object[kebab] != nil ? kebab : snake)
    }

    static func decode(_ root: JSONValue, reader: inout FieldReader) -> TrainingSession? {
        let splicer = RawJSONSplicer(bytes: root.document.bytes)
        let id = root["id"].flatMap { $0.string ?? $0.int.map(String.init) }
        guard let start = reader.localTime(root, key(root, "start_time", "start-time"), "$", required: true),
              let duration = reader.isoDuration(root, "duration", "$", required: true)
        else { return nil }
        var warned = false
        let offset = reader.timeZoneOffset(reader.int(root, key(root, "start_time_utc_offset", "start-time-utc-offset"), "$"),
                                           fallback: nil, path: "$", key: "start_time_utc_offset", warned: &warned)
        let detailed = reader.string(root, key(root, "detailed_sport_info", "detailed-sport-info"), "$")
        let coarse = reader.string(root, "sport", "$")
        guard let sportRaw = detailed ?? coarse else {
            reader.error("missing-field", "$.sport", "neither sport nor detailed_sport_info is present")
            return nil
        }
        var exercise = Exercise(
            externalID: id, sport: SportNames.normalise(sportRaw), sportRaw: sportRaw, startLocalMillis: start,
            tzOffsetMinutes: offset, durationS: duration,
            distanceM: reader.number(root, "distance", "$").flatMap { $0 > 0 ? $0 : nil },
            calories: reader.number(root, "calories", "$"))
        if let hr = reader.object(root, key(root, "heart_rate", "heart-rate"), "$") {
            func positive(_ k: StaticString) -> Double? { reader.number(hr, k, "$.heart_rate").flatMap { $0 > 0 ? $0 : nil } }
            let summary = ReportedHeartRate(avg: positive("average"), max: positive("maximum"))
            if summary != ReportedHeartRate() { exercise.reportedHR = summary }
        }
        exercise.heartRateZones = PolarHeartRateZones.accessLink(root, reader: &reader)

        var replacements: [(Range<Int>, String)] = []
        if let samples = reader.array(root, "samples", "$") {
            exercise.samples = readSamples(samples, reader: &reader)
            replacements.append((samples.byteRange, "[]"))
        }
        if let route = reader.array(root, "route", "$") {
            exercise.samples.route = readRoute(route, reader: &reader)
            replacements.append((route.byteRange, "[]"))
        }
        exercise.raw = splicer.text(of: root.byteRange, replacing: replacements)

        let userURL = reader.string(root, key(root, "polar_user", "polar-user"), "$")
        var session = TrainingSession(layout: .accessLink, externalID: id,
                                      deviceID: reader.string(root, key(root, "device_id", "device-id"), "$"),
                                      exercises: [exercise])
        session.polarUserID = userURL.flatMap { $0.split(separator: "/").last.map(String.init) }
        return session
    }

    static func readSamples(_ list: JSONValue, reader: inout FieldReader) -> ExerciseSamples {
        var result = ExerciseSamples()
        for (i, sample) in list.elements.enumerated() {
            let p = "$.samples[\(i)]"
            guard sample.isObject else { reader.warning("wrong-type", p, "a sample series is not an object; skipped"); continue }
            let typeValue = sample[key(sample, "sample_type", "sample-type")]
            guard let type = typeValue?.int ?? typeValue?.string.flatMap({ Int($0) }) else {
                reader.warning("wrong-type", p + ".sample_type", "no usable sample type; skipped")
                continue
            }
            guard let keyPath = channel(type) else { continue }
            let rateValue = sample[key(sample, "recording_rate", "recording-rate")]
            let rate = rateValue?.double ?? rateValue?.string.flatMap { Double($0) } ?? 1
            guard rate > 0, rate <= 3600 else {
                reader.warning("bad-interval", p + ".recording_rate", "recording rate \(rate) s is not usable; skipped")
                continue
            }
            guard let data = reader.string(sample, "data", p) else { continue }
            var series = SampleSeries()
            let malformed = DelimitedSamples.read(data, intervalSeconds: rate, into: &series)
            if malformed > 0 {
                reader.warning("malformed-samples", p + ".data", "\(malformed) entries that are not numbers skipped")
            }
            // R-R intervals have no recording rate: they are timed by their own running sum.
            if type == 11 { series = HeartRateVariability.timed(series.value) }
            if result[keyPath: keyPath].isEmpty { result[keyPath: keyPath] = series }
        }
        return result
    }

    /// Route points `{latitude, longitude, time: "PT210.026S", altitude?}`.
    static func readRoute(_ list: JSONValue, reader: inout FieldReader) -> RouteSeries {
        var route = RouteSeries()
        var malformed = 0
        for point in list.elements {
            guard point.isObject, let lat = point["latitude"]?.double, let lon = point["longitude"]?.double,
                  let t = point["time"]?.string.flatMap(PolarTime.durationSeconds)
            else { malformed += 1; continue }
            route.append(t, lat, lon, point["altitude"]?.double ?? .nan)
        }
        if malformed > 0 { reader.warning("malformed-samples", "$.route", "\(malformed) malformed route points skipped") }
        return SampleOrdering.sortedUnique(route)
    }
}

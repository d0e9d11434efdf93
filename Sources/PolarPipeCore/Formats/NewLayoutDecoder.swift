/// Decodes the Polar Flow account export's new ("durationMillis") layout, seen in exports made in 2026
/// (POLAR_FORMATS.md §1.4–1.5).
///
/// Quirks handled: channel arrays `{type, intervalMillis, values[]}` whose missing values are `"NaN"`, a bare
/// `NaN` token (invalid JSON, accepted by the parser) or `null`; numeric sport ids; route way points timed by
/// `elapsedMillis` from `routes.route.startTime`; `hrAvg`/`hrMax`/statistics `0` meaning "no data";
/// `physicalInformation` with `SEX_` enum values; multisport sessions (`transitionSamples` are not exercise samples).
enum NewLayoutDecoder {
    static func decode(_ root: JSONValue, reader: inout FieldReader) -> TrainingSession? {
        let splicer = RawJSONSplicer(bytes: root.document.bytes)
        let sessionOffset = reader.int(root, "timezoneOffsetMinutes", "$")
        let sessionSport = sportID(root["sport"], reader: &reader, path: "$.sport")
        let sessionID = idString(root["identifier"])
        let deviceID = reader.string(root, "deviceId", "$")
        let sessionStart = reader.localTime(root, "startTime", "$", required: true)
        let physical = reader.object(root, "physicalInformation", "$").map {
            physicalInformation($0, sessionStart: sessionStart, &reader)
        }
        guard let exercisesValue = reader.array(root, "exercises", "$", required: true) else { return nil }

        var exercises: [Exercise] = []
        var warnedOffset = false
        for (index, value) in exercisesValue.elements.enumerated() {
            let path = "$.exercises[\(index)]"
            guard value.isObject else {
                reader.error("wrong-type", path, "expected an exercise object, found \(value.kind)")
                continue
            }
            let offset = reader.timeZoneOffset(reader.int(value, "timezoneOffsetMinutes", path), fallback: sessionOffset,
                                               path: path, key: "timezoneOffsetMinutes", warned: &warnedOffset)
            guard let start = reader.localTime(value, "startTime", path, required: true),
                  let durationMillis = reader.number(value, "durationMillis", path, required: true)
            else { continue }
            let sportRaw = sportID(value["sport"], reader: &reader, path: path + ".sport") ?? sessionSport
            guard let sportRaw else {
                reader.error("missing-field", path + ".sport", "the exercise has no sport id")
                continue
            }
            var exercise = Exercise(
                externalID: idString(value["identifier"]) ?? sessionID, sport: SportNames.name(forID: sportRaw),
                sportRaw: sportRaw, startLocalMillis: start, tzOffsetMinutes: offset,
                stopLocalMillis: reader.localTime(value, "stopTime", path), durationS: durationMillis / 1000,
                distanceM: reader.number(value, "distanceMeters", path).flatMap { $0 > 0 ? $0 : nil },
                calories: reader.number(value, "calories", path),
                ascentM: reader.number(value, "ascentMeters", path), descentM: reader.number(value, "descentMeters", path))
            exercise.reportedHR = reportedHeartRate(value, session: root, single: exercisesValue.count == 1, reader: &reader, path: path)
            exercise.heartRateZones = PolarHeartRateZones.newLayout(value, path: path, reader: &reader)

            var replacements: [(Range<Int>, String)] = []
            if let samples = reader.object(value, "samples", path) {
                exercise.samples = readChannels(samples, path: path + ".samples", reader: &reader)
                replacements.append((samples.byteRange, "{}"))
            }
            if let routes = reader.object(value, "routes", path) {
                if let route = reader.object(routes, "route", path + ".routes") {
                    exercise.samples.route = readRoute(route, exerciseStart: start, path: path + ".routes.route", reader: &reader)
                }
                replacements.append((routes.byteRange, "{}"))
            }
            let exerciseText = splicer.text(of: value.byteRange, replacing: replacements)
            exercise.raw = splicer.text(of: root.byteRange, replacing: [(exercisesValue.byteRange, "[" + exerciseText + "]")])
            exercises.append(exercise)
        }
        if exercises.isEmpty, !reader.hasErrors {
            reader.error("no-exercises", "$.exercises", "the session has no exercise")
        }
        return TrainingSession(layout: .flowExportNew, externalID: sessionID, deviceID: deviceID, physical: physical,
                               exercises: exercises)
    }

    /// `{"id": "7907087887"}` (or a number) → the id as text.
    static func idString(_ value: JSONValue?) -> String? {
        guard let id = value?["id"] else { return nil }
        return id.string ?? id.int.map(String.init)
    }

    static func sportID(_ value: JSONValue?, reader: inout FieldReader, path: String) -> String? {
        guard let value, value.isObject else { return nil }
        guard let id = value["id"] else { return nil }
        if let s = id.string, !s.isEmpty { return s }
        if let i = id.int { return String(i) }
        reader.error("wrong-type", path + ".id", "the sport id is not a string or an integer")
        return nil
    }

    /// HR summary from the exercise's statistics, else (single-exercise sessions) from `hrAvg`/`hrMax`; 0 = no data.
    static func reportedHeartRate(_ exercise: JSONValue, session: JSONValue, single: Bool, reader: inout FieldReader,
                                  path: String) -> ReportedHeartRate? {
        func positive(_ v: JSONValue?) -> Double? { v?.double.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
        var hr = ReportedHeartRate()
        if let list = exercise["statistics"]?["statistics"] {
            for item in list.elements where item["type"]?.stringEquals("STATISTICS_TYPE_HEART_RATE") == true {
                hr = ReportedHeartRate(min: positive(item["min"]), avg: positive(item["avg"]), max: positive(item["max"]))
            }
        }
        if hr == ReportedHeartRate(), single {
            hr = ReportedHeartRate(avg: positive(session["hrAvg"]), max: positive(session["hrMax"]))
        }
        return hr == ReportedHeartRate() ? nil : hr
    }

    /// The physical information, its implausible values dropped with a warning (`PhysicalPlausibility`).
    static func physicalInformation(_ value: JSONValue, sessionStart: Int64?, _ reader: inout FieldReader) -> PhysicalInformation {
        let p = "$.physicalInformation"
        let info = PhysicalInformation(
            sex: reader.string(value, "sex", p).map(SportNames.normaliseSex),
            birthday: reader.string(value, "birthday", p),
            heightCm: reader.number(value, "heightCm", p),
            weightKg: reader.number(value, "weightKg", p),
            maxHR: reader.number(value, "maximumHeartRate", p),
            restingHR: reader.number(value, "restingHeartRate", p),
            vo2max: reader.number(value, "vo2Max", p),
            aerobicThreshold: reader.number(value, "aerobicThreshold", p),
            anaerobicThreshold: reader.number(value, "anaerobicThreshold", p),
            ftpW: reader.number(value, "functionalThresholdPower", p),
            recordedAtLocalMillis: reader.localTime(value, "modified", p) ?? reader.localTime(value, "created", p))
        return reader.plausible(info, path: p, keys: .newLayout, sessionStart: sessionStart)
    }

    /// The channels polarpipe uses, from `samples.samples[]`.
    static func readChannels(_ samples: JSONValue, path: String, reader: inout FieldReader) -> ExerciseSamples {
        var result = ExerciseSamples()
        guard let list = reader.array(samples, "samples", path) else { return result }
        let channels: [(StaticString, WritableKeyPath<ExerciseSamples, SampleSeries>)] = [
            ("HEART_RATE", \.heartRate), ("SPEED", \.speed), ("ALTITUDE", \.altitude), ("DISTANCE", \.distance),
            ("CADENCE", \.cadence), ("POWER", \.power), ("LEFT_CRANK_CURRENT_POWER", \.power),
        ]
        for (i, channel) in list.elements.enumerated() {
            let p = "\(path).samples[\(i)]"
            guard let type = channel["type"], let keyPath = channels.first(where: { type.stringEquals($0.0) })?.1 else { continue }
            let interval = reader.number(channel, "intervalMillis", p) ?? 1000
            guard interval > 0, interval <= 3_600_000 else {
                reader.warning("bad-interval", p + ".intervalMillis", "interval of \(interval) ms is not usable; channel skipped")
                continue
            }
            guard let values = reader.array(channel, "values", p) else { continue }
            var series = SampleSeries()
            let malformed = values.document.readChannel(array: values.index, intervalSeconds: interval / 1000, into: &series)
            if malformed > 0 {
                reader.warning("malformed-samples", p + ".values", "\(malformed) values that are not numbers skipped")
            }
            if result[keyPath: keyPath].isEmpty { result[keyPath: keyPath] = series }
        }
        return result
    }

    /// Way points `{latitude, longitude, altitude?, elapsedMillis}`, timed from `route.startTime`.
    static func readRoute(_ route: JSONValue, exerciseStart: Int64, path: String, reader: inout FieldReader) -> RouteSeries {
        let routeStart = reader.localTime(route, "startTime", path) ?? exerciseStart
        let baseMillis = Double(routeStart - exerciseStart)
        var result = RouteSeries()
        guard let points = reader.array(route, "wayPoints", path) else { return result }
        var malformed = 0
        points.document.forEachObjectElement(array: points.index, keys: ["latitude", "longitude", "altitude", "elapsedMillis"]) { b, n, isObject, slots in
            guard isObject, let lat = TapeRead.number(b, n, slots.f0), let lon = TapeRead.number(b, n, slots.f1),
                  let elapsed = TapeRead.number(b, n, slots.f3)
            else { malformed += 1; return }
            result.append((baseMillis + elapsed) / 1000, lat, lon, TapeRead.number(b, n, slots.f2) ?? .nan)
        }
        if malformed > 0 {
            reader.warning("malformed-samples", path + ".wayPoints", "\(malformed) malformed way points skipped")
        }
        return SampleOrdering.sortedUnique(result)
    }
}

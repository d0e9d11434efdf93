/// Decodes the Polar Flow account export's old ("exportVersion") layout, exportVersion 1.6–2.6
/// (POLAR_FORMATS.md §1.1–1.3).
///
/// Quirks handled: samples are `{dateTime, value}` objects whose missing values have no `value` key; the session
/// offset is `timeZoneOffset` and the exercise offset `timezoneOffset`; `"height, cm"` / `"weight, kg"` keys;
/// manual entries with `samples: {}` and `heartRate: {}`; a missing offset (UTC with a warning).
enum OldLayoutDecoder {
    static func decode(_ root: JSONValue, reader: inout FieldReader) -> TrainingSession? {
        let splicer = RawJSONSplicer(bytes: root.document.bytes)
        _ = reader.string(root, "exportVersion", "$", required: true)
        let sessionOffset = reader.int(root, "timeZoneOffset", "$")
        let sessionStart = reader.localTime(root, "startTime", "$", required: true)
        _ = reader.isoDuration(root, "duration", "$", required: true)
        let deviceID = reader.string(root, "deviceId", "$")
        let physical = reader.object(root, "physicalInformationSnapshot", "$").map {
            physicalInformation($0, sessionStart: sessionStart, &reader)
        }
        guard let exercisesValue = reader.array(root, "exercises", "$", required: true) else { return nil }

        var exercises: [Exercise] = []
        var warnedOffset = false
        for (index, exerciseValue) in exercisesValue.elements.enumerated() {
            let path = "$.exercises[\(index)]"
            guard exerciseValue.isObject else {
                reader.error("wrong-type", path, "expected an exercise object, found \(exerciseValue.kind)")
                continue
            }
            let offset = reader.timeZoneOffset(reader.int(exerciseValue, "timezoneOffset", path), fallback: sessionOffset,
                                               path: path, key: "timezoneOffset", warned: &warnedOffset)
            guard let start = reader.localTime(exerciseValue, "startTime", path, required: true),
                  let duration = reader.isoDuration(exerciseValue, "duration", path, required: true),
                  let sportRaw = reader.string(exerciseValue, "sport", path, required: true)
            else { continue }
            let stop = reader.localTime(exerciseValue, "stopTime", path)

            var exercise = Exercise(
                sport: SportNames.normalise(sportRaw), sportRaw: sportRaw, startLocalMillis: start,
                tzOffsetMinutes: offset, stopLocalMillis: stop, durationS: duration,
                distanceM: reader.number(exerciseValue, "distance", path),
                calories: reader.number(exerciseValue, "kiloCalories", path),
                ascentM: reader.number(exerciseValue, "ascent", path),
                descentM: reader.number(exerciseValue, "descent", path))
            if let hr = reader.object(exerciseValue, "heartRate", path) {
                let summary = ReportedHeartRate(
                    min: reader.number(hr, "min", path + ".heartRate"),
                    avg: reader.number(hr, "avg", path + ".heartRate"),
                    max: reader.number(hr, "max", path + ".heartRate"))
                if summary != ReportedHeartRate() { exercise.reportedHR = summary }
            }
            exercise.heartRateZones = PolarHeartRateZones.oldLayout(exerciseValue, path: path, reader: &reader)

            var replacements: [(Range<Int>, String)] = []
            if let samples = reader.object(exerciseValue, "samples", path) {
                exercise.samples = readSamples(samples, startMillis: start, path: path + ".samples", reader: &reader)
                replacements.append((samples.byteRange, "{}"))
            }
            // Raw JSON: the session with only this exercise, its samples removed.
            let exerciseText = splicer.text(of: exerciseValue.byteRange, replacing: replacements)
            exercise.raw = splicer.text(of: root.byteRange, replacing: [(exercisesValue.byteRange, "[" + exerciseText + "]")])
            exercises.append(exercise)
        }
        if exercises.isEmpty, !reader.hasErrors {
            reader.error("no-exercises", "$.exercises", "the session has no exercise")
        }
        return TrainingSession(layout: .flowExportOld, deviceID: deviceID, physical: physical, exercises: exercises)
    }

    /// The snapshot, its implausible values dropped with a warning (`PhysicalPlausibility`).
    static func physicalInformation(_ value: JSONValue, sessionStart: Int64?, _ reader: inout FieldReader) -> PhysicalInformation {
        let p = "$.physicalInformationSnapshot"
        let info = PhysicalInformation(
            sex: reader.string(value, "sex", p).map(SportNames.normaliseSex),
            birthday: reader.string(value, "birthday", p),
            heightCm: reader.number(value, "height, cm", p),
            weightKg: reader.number(value, "weight, kg", p),
            maxHR: reader.number(value, "maximumHeartRate", p),
            restingHR: reader.number(value, "restingHeartRate", p),
            vo2max: reader.number(value, "vo2Max", p),
            aerobicThreshold: reader.number(value, "aerobicThreshold", p),
            anaerobicThreshold: reader.number(value, "anaerobicThreshold", p),
            ftpW: reader.number(value, "functionalThresholdPower", p),
            recordedAtLocalMillis: reader.localTime(value, "dateTime", p))
        return reader.plausible(info, path: p, keys: .oldLayout, sessionStart: sessionStart)
    }

    /// Reads the channels polarpipe uses. Elements without a `value` are missing values (skipped); elements
    /// without a readable `dateTime`, or with a non-numeric value, are malformed: skipped and reported once per
    /// channel as a warning.
    static func readSamples(_ samples: JSONValue, startMillis: Int64, path: String, reader: inout FieldReader) -> ExerciseSamples {
        var result = ExerciseSamples()
        let document = samples.document
        let channels: [(StaticString, StaticString, WritableKeyPath<ExerciseSamples, SampleSeries>)] = [
            ("heartRate", "value", \.heartRate), ("speed", "value", \.speed), ("altitude", "value", \.altitude),
            ("distance", "value", \.distance), ("cadence", "value", \.cadence),
            ("leftPedalCrankBasedPower", "currentPower", \.power),
        ]
        for (key, valueKey, keyPath) in channels {
            guard let array = reader.array(samples, key, path) else { continue }
            var series = SampleSeries()
            var malformed = 0
            let expected = array.node.next - UInt32(array.index)
            series.t.reserveCapacity(Int(expected) / 4)
            series.value.reserveCapacity(Int(expected) / 4)
            document.forEachObjectElement(array: array.index, keys: ["dateTime", valueKey]) { b, n, isObject, slots in
                guard isObject, let time = TapeRead.localMillis(b, n, slots.f0) else { malformed += 1; return }
                guard slots.f1 >= 0 else { return }  // missing value
                let kind = n[slots.f1].kind
                if kind == .null || kind == .nan { return }
                guard let v = TapeRead.number(b, n, slots.f1) else { malformed += 1; return }
                series.append(Double(time - startMillis) / 1000, v)
            }
            if malformed > 0 {
                reader.warning("malformed-samples", path + "." + key.description, "\(malformed) malformed samples skipped")
            }
            result[keyPath: keyPath] = SampleOrdering.sortedUnique(series)
        }
        if let array = reader.array(samples, "recordedRoute", path) {
            var route = RouteSeries()
            var malformed = 0
            document.forEachObjectElement(array: array.index, keys: ["dateTime", "latitude", "longitude", "altitude"]) { b, n, isObject, slots in
                guard isObject, let time = TapeRead.localMillis(b, n, slots.f0),
                      let lat = TapeRead.number(b, n, slots.f1), let lon = TapeRead.number(b, n, slots.f2)
                else { malformed += 1; return }
                route.append(Double(time - startMillis) / 1000, lat, lon, TapeRead.number(b, n, slots.f3) ?? .nan)
            }
            if malformed > 0 {
                reader.warning("malformed-samples", path + ".recordedRoute", "\(malformed) malformed route points skipped")
            }
            result.route = SampleOrdering.sortedUnique(route)
        }
        if let array = reader.array(samples, "rr", path) {
            // `{"duration": "PT0.749S", "offline": false}`: a sequence without times.
            var intervals: [Double] = []
            var malformed = 0
            for element in array.elements {
                guard element.isObject, let text = element["duration"]?.string, let seconds = PolarTime.durationSeconds(text) else {
                    malformed += 1
                    continue
                }
                if element["offline"]?.kind == .true { continue }
                intervals.append(seconds * 1000)
            }
            if malformed > 0 { reader.warning("malformed-samples", path + ".rr", "\(malformed) malformed R-R intervals skipped") }
            result.rr = HeartRateVariability.timed(intervals)
        }
        return result
    }
}

/// Sample times must increase strictly within a series (they are part of the samples' key). Real files are in
/// order; when one is not, samples are sorted and a repeated time keeps its first sample.
enum SampleOrdering {
    static func isStrictlyIncreasing(_ t: [Double]) -> Bool {
        var i = 1
        while i < t.count {
            if !(t[i] > t[i - 1]) { return false }
            i += 1
        }
        return true
    }

    static func order(_ t: [Double]) -> [Int] {
        var seen = Set<Double>()
        return t.indices.sorted { t[$0] < t[$1] || (t[$0] == t[$1] && $0 < $1) }.filter { seen.insert(t[$0]).inserted }
    }

    static func sortedUnique(_ s: SampleSeries) -> SampleSeries {
        if isStrictlyIncreasing(s.t) { return s }
        let idx = order(s.t)
        return SampleSeries(t: idx.map { s.t[$0] }, value: idx.map { s.value[$0] })
    }

    static func sortedUnique(_ r: RouteSeries) -> RouteSeries {
        if isStrictlyIncreasing(r.t) { return r }
        let idx = order(r.t)
        return RouteSeries(t: idx.map { r.t[$0] }, latitude: idx.map { r.latitude[$0] },
                           longitude: idx.map { r.longitude[$0] }, altitude: idx.map { r.altitude[$0] })
    }
}

import Foundation

/// Decodes Polar Flow's per-session CSV export: a summary header (`Name,Sport,Date,Start time,Duration,…`) and its
/// one row of values, then a sample header (`Sample rate,Time,HR (bpm),…`) and one row a sample.
///
/// Quirks handled: `DD.MM.YYYY` dates; a trailing comma on every line; no time-zone offset at all (the start is
/// local wall-clock time: `tzOffsetMinutes` nil with a `missing-timezone` warning, so the same session's TCX, which
/// is UTC, starts 1–2 h apart); pauses removed from the timeline (the `Time` column runs without the pauses, and the
/// duration is the sum of the active time). Columns are found by name, so their order does not matter. Altitude is
/// the watch's (barometric) altitude.
enum PolarCSVDecoder {
    static func decode(_ bytes: [UInt8], limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        let rows = CSVLines.rows(String(decoding: bytes, as: UTF8.self))
        let cells = rows.reduce(0) { $0 + $1.count }
        guard cells <= limits.maxJSONValues else {
            reader.error("too-many-values", "$", "more than \(limits.maxJSONValues) values")
            return nil
        }
        guard rows.count >= 2, rows[0].first == "Name" else {
            reader.error("csv-no-summary", "$", "the file has no summary header and values (Name,Sport,Date,…)")
            return nil
        }
        let summary = PolarCSVSummary(names: rows[0], values: rows[1])
        guard let start = summary.startLocalMillis(reader: &reader) else { return nil }
        var warned = false
        _ = reader.timeZoneOffset(nil, fallback: nil, path: "$.summary", key: "time-zone offset (Polar's CSV has none)", warned: &warned)

        var samples = ExerciseSamples()
        var malformed = 0
        if rows.count >= 3 {
            (samples, malformed) = PolarCSVSamples.read(header: rows[2], rows: rows.dropFirst(3))
        }
        if malformed > 0 {
            reader.warning("malformed-samples", "$.samples", "\(malformed) sample rows without a valid elapsed time skipped")
        }
        let sportRaw = summary["Sport"] ?? ""
        let duration = summary.seconds("Duration") ?? 0
        var exercise = Exercise(
            sport: SportNames.normalise(sportRaw), sportRaw: sportRaw, startLocalMillis: start, tzOffsetMinutes: nil,
            durationS: duration, distanceM: summary.number("Total distance (km)", in: 0 ... 100_000).map { $0 * 1000 },
            calories: summary.number("Calories", in: 0 ... 1_000_000),
            reportedHR: summary.number("Average heart rate (bpm)", in: 1 ... 400).map { ReportedHeartRate(avg: $0) },
            ascentM: summary.number("Ascent (m)", in: 0 ... 100_000), descentM: summary.number("Descent (m)", in: 0 ... 100_000),
            samples: samples)
        exercise.raw = RawSummary.json(summary.dictionary)
        let physical = reader.plausible(summary.physicalInformation(recordedAt: start), path: "$.summary",
                                        keys: PhysicalPlausibility.Keys(height: "Height (cm)", weight: "Weight (kg)"),
                                        sessionStart: start)
        return TrainingSession(layout: .polarCSV, physical: physical.isEmpty ? nil : physical, exercises: [exercise])
    }
}

/// The summary row, by column name.
struct PolarCSVSummary {
    let dictionary: [String: String]

    init(names: [String], values: [String]) {
        var d: [String: String] = [:]
        for (i, name) in names.enumerated() where i < values.count && !values[i].isEmpty && !name.isEmpty {
            d[name] = values[i]
        }
        dictionary = d
    }

    subscript(_ name: String) -> String? { dictionary[name] }

    func number(_ name: String, in range: ClosedRange<Double>) -> Double? { TextNumber.value(dictionary[name], in: range) }

    /// `HH:MM:SS` as seconds.
    func seconds(_ name: String) -> Double? { dictionary[name].flatMap(PolarCSVClock.seconds) }

    /// `Date` (`DD.MM.YYYY`) and `Start time` (`HH:MM:SS`) as local epoch milliseconds; an error when either is
    /// missing or not a real date.
    func startLocalMillis(reader: inout FieldReader) -> Int64? {
        guard let date = dictionary["Date"], let time = dictionary["Start time"] else {
            reader.error("missing-field", "$.summary.Date", "the summary has no Date or Start time")
            return nil
        }
        let parts = date.split(separator: ".")
        guard parts.count == 3, parts[0].count == 2, parts[1].count == 2, parts[2].count == 4,
              let millis = PolarTime.localMillis("\(parts[2])-\(parts[1])-\(parts[0])T\(time)")
        else {
            reader.error("bad-timestamp", "$.summary.Date", "'\(date) \(time)' is not a date DD.MM.YYYY and a time HH:MM:SS")
            return nil
        }
        return millis
    }

    func physicalInformation(recordedAt: Int64) -> PhysicalInformation {
        PhysicalInformation(heightCm: number("Height (cm)", in: -1e9 ... 1e9), weightKg: number("Weight (kg)", in: -1e9 ... 1e9),
                            maxHR: number("HR max", in: -1e9 ... 1e9), restingHR: number("HR sit", in: -1e9 ... 1e9),
                            vo2max: number("VO2max", in: -1e9 ... 1e9), recordedAtLocalMillis: recordedAt)
    }
}

/// Elapsed times `HH:MM:SS[.f]` (hours may exceed 24).
enum PolarCSVClock {
    static func seconds(_ text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, (1 ... 4).contains(parts[0].count), parts[1].count == 2, parts[2].count >= 2,
              parts[0].allSatisfy(\.isASCIIDigitCharacter), parts[1].allSatisfy(\.isASCIIDigitCharacter),
              let h = Double(parts[0]), let m = Double(parts[1]), let s = TextNumber.value(String(parts[2]), in: 0 ... 59.999_999),
              m < 60 else { return nil }
        return h * 3600 + m * 60 + s
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

/// The sample rows: `Time` (elapsed, pauses removed) and the channels polarpipe uses, found by their header names.
enum PolarCSVSamples {
    /// Column name, channel, accepted range.
    static var channels: [(String, WritableKeyPath<ExerciseSamples, SampleSeries>, ClosedRange<Double>)] {
        [("HR (bpm)", \.heartRate, 0 ... 400), ("Speed (km/h)", \.speed, 0 ... 1000), ("Altitude (m)", \.altitude, -1000 ... 10_000),
         ("Distances (m)", \.distance, 0 ... 100_000_000), ("Power (W)", \.power, 0 ... 10_000), ("Cadence", \.cadence, 0 ... 1000)]
    }

    /// The samples and the number of rows skipped for a missing or malformed time.
    static func read(header: [String], rows: ArraySlice<[String]>) -> (ExerciseSamples, Int) {
        var samples = ExerciseSamples()
        guard let timeColumn = header.firstIndex(of: "Time") else { return (samples, rows.count) }
        let columns = channels.compactMap { name, keyPath, range in header.firstIndex(of: name).map { ($0, keyPath, range) } }
        var malformed = 0
        for row in rows {
            guard timeColumn < row.count, let t = PolarCSVClock.seconds(row[timeColumn]) else { malformed += 1; continue }
            for (column, keyPath, range) in columns where column < row.count {
                if let v = TextNumber.value(row[column], in: range) { samples[keyPath: keyPath].append(t, v) }
            }
        }
        for (_, keyPath, _) in channels { samples[keyPath: keyPath] = SampleOrdering.sortedUnique(samples[keyPath: keyPath]) }
        return (samples, malformed)
    }
}

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
        var lines = CSVLines(bytes)
        var cells = 0
        // The summary header, its values and the sample header; then the sample rows, read one at a time.
        var heads: [[String]] = []
        while heads.count < 3, lines.next() {
            cells += lines.count
            guard cells <= limits.maxJSONValues else { return tooManyValues(limits, reader: &reader) }
            heads.append(lines.strings)
        }
        guard heads.count >= 2, heads[0].first == "Name" else {
            reader.error("csv-no-summary", "$", "the file has no summary header and values (Name,Sport,Date,…)")
            return nil
        }
        var samples = ExerciseSamples()
        var malformed = 0
        if heads.count == 3 {
            guard let read = PolarCSVSamples.read(header: heads[2], lines: &lines, cells: &cells, maxCells: limits.maxJSONValues)
            else { return tooManyValues(limits, reader: &reader) }
            (samples, malformed) = read
        }
        let summary = PolarCSVSummary(names: heads[0], values: heads[1])
        guard let start = summary.startLocalMillis(reader: &reader) else { return nil }
        var warned = false
        _ = reader.timeZoneOffset(nil, fallback: nil, path: "$.summary", key: "time-zone offset (Polar's CSV has none)", warned: &warned)

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

    private static func tooManyValues(_ limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        reader.error("too-many-values", "$", "more than \(limits.maxJSONValues) values")
        return nil
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

/// Elapsed times `HH:MM:SS[.f]` (hours may exceed 24), read from a field's bytes.
enum PolarCSVClock {
    static func seconds(_ text: String) -> Double? { seconds(ArraySlice(text.utf8)) }

    static func seconds(_ s: ArraySlice<UInt8>) -> Double? {
        let colon = UInt8(ascii: ":")
        guard let first = s.firstIndex(of: colon), let second = s[(first + 1)...].firstIndex(of: colon),
              !s[(second + 1)...].contains(colon) else { return nil }
        let h = s[..<first], m = s[(first + 1) ..< second], rest = s[(second + 1)...]
        guard (1 ... 4).contains(h.count), m.count == 2, rest.count >= 2, let hours = digits(h), let minutes = digits(m),
              minutes < 60, let seconds = DecimalBytes.value(rest, in: 0 ... 59.999_999) else { return nil }
        return Double(hours * 3600 + minutes * 60) + seconds
    }

    /// At most four ASCII digits as their value.
    private static func digits(_ s: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in s {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }
}

/// The sample rows: `Time` (elapsed, pauses removed) and the channels polarpipe uses, found by their header names.
enum PolarCSVSamples {
    /// Column name, channel, accepted range.
    static let channels: [(String, WritableKeyPath<ExerciseSamples, SampleSeries> & Sendable, ClosedRange<Double>)] = [
        ("HR (bpm)", \.heartRate, 0 ... 400), ("Speed (km/h)", \.speed, 0 ... 1000), ("Altitude (m)", \.altitude, -1000 ... 10_000),
        ("Distances (m)", \.distance, 0 ... 100_000_000), ("Power (W)", \.power, 0 ... 10_000), ("Cadence", \.cadence, 0 ... 1000),
        ("Temperatures (C)", \.temperature, -127 ... 127),
    ]

    /// Reads the rest of `lines` as sample rows: the samples and the number of rows skipped for a missing or
    /// malformed time; nil when the file's fields (counted on from `cells`) pass `maxCells`.
    static func read(header: [String], lines: inout CSVLines, cells: inout Int, maxCells: Int) -> (ExerciseSamples, Int)? {
        let timeColumn = header.firstIndex(of: "Time")
        let columns = channels.compactMap { name, keyPath, range in header.firstIndex(of: name).map { ($0, keyPath, range) } }
        var series = [SampleSeries](repeating: SampleSeries(), count: columns.count)
        var malformed = 0
        while lines.next() {
            cells += lines.count
            guard cells <= maxCells else { return nil }
            guard let timeColumn, let t = time(lines, timeColumn) else { malformed += 1; continue }
            for (k, (column, _, range)) in columns.enumerated() where column < lines.count {
                if let v = DecimalBytes.value(lines[column], in: range) { series[k].append(t, v) }
            }
        }
        var samples = ExerciseSamples()
        for (k, (_, keyPath, _)) in columns.enumerated() { samples[keyPath: keyPath] = SampleOrdering.sortedUnique(series[k]) }
        return (samples, malformed)
    }

    /// The row's elapsed time; a field with other blanks than spaces and tabs around it is trimmed as text first.
    private static func time(_ lines: CSVLines, _ column: Int) -> Double? {
        guard column < lines.count else { return nil }
        return PolarCSVClock.seconds(lines[column]) ?? PolarCSVClock.seconds(lines.string(column))
    }
}

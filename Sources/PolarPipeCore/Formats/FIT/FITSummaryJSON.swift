/// The small JSON kept as an exercise's `raw`: its `session` summary, its laps and what the file says about its
/// device and extras — the samples are not in it.
struct FITSummaryJSON {
    private var text = "{"
    private var first = true

    /// The summary of `session` (its laps are those that start inside the exercise, times from `start`).
    static func text(_ session: FITActivity.Summary, laps: [FITActivity.Summary], start: Int64, activity a: FITActivity) -> String {
        var w = FITSummaryJSON()
        w.string("format", "fit")
        w.summary(session)
        var lapTexts: [String] = []
        for lap in laps.prefix(200) {
            var l = FITSummaryJSON()
            if let s = lap.start { l.number("start", Double(Int64(s) - start)) }
            l.summary(lap)
            lapTexts.append(l.finished())
        }
        w.raw("laps", "[" + lapTexts.joined(separator: ",") + "]")
        var device = FITSummaryJSON()
        device.integer("manufacturer", a.manufacturer)
        device.integer("product", a.product)
        device.integer("serialNumber", a.serialNumber)
        w.raw("device", device.finished())
        w.integer("devices", UInt64(a.devices))
        w.integer("events", UInt64(a.events))
        w.integer("hrvIntervals", UInt64(a.hrvIntervals))
        w.integer("fitFiles", UInt64(a.files))
        if !a.developerFields.isEmpty {
            w.raw("developerFields", "[" + a.developerFields.map(Self.quoted).joined(separator: ",") + "]")
        }
        return w.finished()
    }

    private mutating func summary(_ s: FITActivity.Summary) {
        if let sport = s.sport { integer("sport", UInt64(sport)) }
        if let sub = s.subSport { integer("subSport", UInt64(sub)) }
        number("totalElapsedTime", s.elapsed)
        number("totalTimerTime", s.timer)
        number("totalDistance", s.distance)
        number("totalCalories", s.calories)
        number("avgHeartRate", s.avgHR)
        number("maxHeartRate", s.maxHR)
        number("minHeartRate", s.minHR)
        number("totalAscent", s.ascent)
        number("totalDescent", s.descent)
        number("avgPower", s.avgPower)
        number("maxPower", s.maxPower)
        number("avgCadence", s.avgCadence)
        number("maxCadence", s.maxCadence)
        number("avgSpeed", s.avgSpeed)
        number("avgTemperature", s.avgTemperature)
    }

    private mutating func raw(_ key: String, _ value: String) {
        text += (first ? "" : ",") + Self.quoted(key) + ":" + value
        first = false
    }

    private mutating func string(_ key: String, _ value: String) { raw(key, Self.quoted(value)) }

    private mutating func integer(_ key: String, _ value: UInt64?) {
        if let value { raw(key, String(value)) }
    }

    private mutating func number(_ key: String, _ value: Double?) {
        guard let value, value.isFinite else { return }
        if value == value.rounded(), abs(value) < 1e15, let whole = Int64(exactly: value) { raw(key, String(whole)) }
        else { raw(key, "\(value)") }
    }

    private func finished() -> String { text + "}" }

    /// `s` as a JSON string.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

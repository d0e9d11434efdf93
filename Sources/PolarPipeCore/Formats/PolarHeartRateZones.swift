/// The heart-rate zone limits a Polar JSON file states for an exercise (the watch's zones for that sport), in each
/// layout's spelling:
///
/// | layout | where | a zone |
/// |---|---|---|
/// | old export | `zones.heart_rate[]` | `{lowerLimit, higherLimit, inZone, zoneIndex}` |
/// | new export | `zones[]` with `type` `ZONE_TYPE_HEART_RATE`, its `zones[]` in zone order | `{lowerLimit?, higherLimit, inZone}` (a 0 is left out) |
/// | AccessLink | `heart_rate_zones[]` (real payloads), `heart-rate-zones` as an array or `{zone: []}` (spec) | `{index, lower_limit, upper_limit}` |
///
/// Five zones give the limits (`HeartRateZoneLimits`), zone 5's upper limit included (a sample above it is in no
/// zone, as the watch counts); a zone 1 without a lower limit starts at the lowest valid heart rate. Anything else — another number of zones, limits out of order or outside 30–250 bpm — is ignored
/// with an `implausible-value` warning, and the exercise's zones come from the configuration or max HR instead.
enum PolarHeartRateZones {
    /// One zone's limits as written; nil where a limit is absent.
    struct Zone {
        var order: Double
        var lower: Double?
        var upper: Double?
    }

    /// Old export: `exercise.zones.heart_rate`.
    static func oldLayout(_ exercise: JSONValue, path: String, reader: inout FieldReader) -> HeartRateZoneLimits? {
        guard let list = exercise["zones"]?["heart_rate"], list.isArray else { return nil }
        let zones = list.elements.enumerated().map { i, z in
            Zone(order: z["zoneIndex"]?.double ?? Double(i), lower: z["lowerLimit"]?.double, upper: z["higherLimit"]?.double)
        }
        return limits(zones, path: path + ".zones.heart_rate", reader: &reader)
    }

    /// New export: the `ZONE_TYPE_HEART_RATE` entry of `exercise.zones`.
    static func newLayout(_ exercise: JSONValue, path: String, reader: inout FieldReader) -> HeartRateZoneLimits? {
        guard let all = exercise["zones"], all.isArray else { return nil }
        for (i, entry) in all.elements.enumerated() where entry["type"]?.stringEquals("ZONE_TYPE_HEART_RATE") == true {
            guard let list = entry["zones"], list.isArray else { return nil }
            let zones = list.elements.enumerated().map { k, z in
                Zone(order: Double(k), lower: z["lowerLimit"]?.double, upper: z["higherLimit"]?.double)
            }
            return limits(zones, path: "\(path).zones[\(i)].zones", reader: &reader)
        }
        return nil
    }

    /// AccessLink: `heart_rate_zones` (snake_case, index 0–4) or `heart-rate-zones` (kebab-case, index 1–5).
    static func accessLink(_ root: JSONValue, reader: inout FieldReader) -> HeartRateZoneLimits? {
        if let list = root["heart_rate_zones"], list.isArray {
            let zones = list.elements.enumerated().map { i, z in
                Zone(order: z["index"]?.double ?? Double(i), lower: z["lower_limit"]?.double, upper: z["upper_limit"]?.double)
            }
            return limits(zones, path: "$.heart_rate_zones", reader: &reader)
        }
        guard var list = root["heart-rate-zones"] else { return nil }
        if let inner = list["zone"] { list = inner }
        guard list.isArray else { return nil }
        let zones = list.elements.enumerated().map { i, z in
            Zone(order: z["index"]?.double ?? Double(i), lower: z["lower-limit"]?.double, upper: z["upper-limit"]?.double)
        }
        return limits(zones, path: "$.heart-rate-zones", reader: &reader)
    }

    /// Five zones in order → limits; a warning and nil for anything else (nothing for an empty list).
    static func limits(_ zones: [Zone], path: String, reader: inout FieldReader) -> HeartRateZoneLimits? {
        guard !zones.isEmpty else { return nil }
        let sorted = zones.sorted { $0.order < $1.order }
        var lower: [Double] = []
        for (k, zone) in sorted.enumerated() {
            lower.append(zone.lower ?? (k > 0 ? sorted[k - 1].upper : 30) ?? .nan)
        }
        if lower.first == 0 { lower[0] = 30 }
        guard let limits = HeartRateZoneLimits(lowerBPM: lower, upperBPM: sorted.last?.upper.flatMap { SampleFilters.isValidHeartRate($0) ? $0 : nil }) else {
            let shown = lower.count == 5 ? "lower limits " + lower.map(HeartRateZoneLimits.format).joined(separator: ", ") : "\(lower.count) zones"
            reader.warning("implausible-value", path, "heart-rate zones (\(shown)) are not five ascending zones within 30–250 bpm; ignored")
            return nil
        }
        return limits
    }
}

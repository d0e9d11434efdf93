import Foundation
import PolarPipeCore

/// Writes a generated session as a Polar AccessLink v3 exercise, named `accesslink-<id>.json` as
/// `polarpipe sync accesslink` names what it pulls. Two spellings, as real payloads have them: snake_case
/// (`GET /v3/exercises/{id}`: hashed string id, `sample_type` as a number, seconds-only durations) and kebab-case
/// (the transactional API: integer id, `"sample-type": "0"` as a string, `PT1H2M3.456S` durations). Samples are
/// comma-separated strings with `null` for a missing value; distances are float32 values printed as doubles; the
/// reported distance is whole metres; the local start has no milliseconds; there is no physical information.
enum AccessLinkWriter {
    static func write(_ base: GeneratedSession, rng: inout SeededRandom) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .accesslink
        let d = base.details
        let kebab = rng.unit() < 0.4
        let id = kebab ? String(300_000_000 + Int64(d.user) * 100_000 + Int64(d.index)) : SyntheticIDs.hashed(&rng)
        var e = base.exercises[0].startingOnWholeSeconds()
        e.reportedDistanceM = e.reportedDistanceM.rounded()
        e.distance = e.distance.map { $0.map { Double(Float($0)) } }
        var route = RouteSeries()
        for i in 0 ..< e.route.count {
            route.append(Double(Int64(e.route.t[i]) * 1000 + Int64(rng.below(4))) / 1000, e.route.latitude[i], e.route.longitude[i], .nan)
        }
        e.route = route
        let valid = e.validHeartRate
        func key(_ snake: String) -> String { kebab ? snake.replacingOccurrences(of: "_", with: "-") : snake }
        func field(_ snake: String) -> String { ",\"" + key(snake) + "\":" }

        let utcStart = e.startLocalMillis - Int64(e.tzOffsetMinutes) * 60_000
        let upload = utcStart + e.durationMillis + Int64(180 + rng.below(2400)) * 1000
        var w = JSONWriter()
        w.reserve(e.heartRate.count * 40 + 4096)
        w.raw("{\"id\":"); if kebab { w.raw(id) } else { w.string(id) }
        w.raw(field("upload_time")); w.string(JSONWriter.stamp(upload - upload % 1000, fraction: kebab, zulu: true))
        w.raw(field("polar_user")); w.string("https://www.polaraccesslink.com/v3/users/\(30_000_000 + d.user)")
        if kebab { w.raw(field("transaction_id")); w.int(200_000_000 + d.user * 1000 + d.index) }
        w.raw(",\"device\":\"Polar Pacer Pro\""); w.raw(field("device_id")); w.string(d.deviceHex)
        w.raw(field("start_time")); w.time(e.startLocalMillis, fraction: false)
        w.raw(field("start_time_utc_offset")); w.int(e.tzOffsetMinutes)
        w.raw(",\"duration\":"); w.string(isoDuration(e.durationMillis, composite: kebab))
        w.raw(",\"distance\":"); if kebab { w.int(Int(e.reportedDistanceM)) } else { w.fixed(e.reportedDistanceM, 1) }
        if !valid.isEmpty {
            w.raw(field("heart_rate")); w.raw("{\"average\":"); w.int(Int(valid.reduce(0, +) / Double(valid.count)))
            w.raw(",\"maximum\":"); w.int(Int(valid.max() ?? 0)); w.raw("}")
        }
        if kebab { w.raw(field("training_load")); w.fixed(Double(valid.count) / 40, 1) }
        w.raw(",\"sport\":"); w.string(e.sport)
        w.raw(field("has_route")); w.raw(e.route.count > 0 ? "true" : "false")
        w.raw(field("detailed_sport_info")); w.string(e.sport)
        w.raw(",\"calories\":"); w.int(e.calories)
        w.raw(field("fat_percentage")); w.int(20 + d.user % 30)
        w.raw(field("carbohydrate_percentage")); w.int(78 - d.user % 30)
        w.raw(field("protein_percentage")); w.int(2)
        if !kebab, let maxHR = base.physical.maxHR { zones(&w, valid, maxHR: maxHR) }
        w.raw(",\"samples\":[")
        let channels: [(code: Int, values: [Double?])] = [(0, e.heartRate), (1, e.speed), (3, e.altitude), (10, e.distance)]
        for (c, channel) in channels.enumerated() {
            if c > 0 { w.raw(",") }
            w.raw("{\"" + key("recording_rate") + "\":1,\"" + key("sample_type") + "\":")
            if kebab { w.string(String(channel.code)) } else { w.int(channel.code) }
            w.raw(",\"data\":\"")
            for i in 0 ..< channel.values.count {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                guard let v = channel.values[i] else { w.raw("null"); continue }
                if channel.code == 0 { w.int(Int(v)) } else { w.double(v) }
            }
            w.raw("\"}")
        }
        w.raw("],\"route\":[")
        for i in 0 ..< e.route.count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"latitude\":"); w.fixed(e.route.latitude[i], 8)
            w.raw(",\"longitude\":"); w.fixed(e.route.longitude[i], 8)
            w.raw(",\"time\":\"PT"); w.fixed(e.route.t[i], 3)
            w.raw("S\",\"satellites\":"); w.int(7 + (i / 300) % 5); w.raw(",\"fix\":3}")
        }
        w.raw("]")
        if !kebab {
            w.raw(",\"training_load_pro\":{\"cardio-load\":"); w.fixed(Double(valid.count) / 40, 3)
            w.raw(",\"cardio-load-interpretation\":\"MEDIUM\",\"muscle-load\":-1.0,\"muscle-load-interpretation\":\"NOT_AVAILABLE\"")
            w.raw(",\"perceived-load\":0.0,\"perceived-load-interpretation\":\"NOT_AVAILABLE\",\"user-rpe\":\"UNKNOWN\"}")
        }
        w.raw("}")

        session.exercises = [e]
        session.relativePath = "accesslink-\(id).json"
        return (w.bytes, session)
    }

    /// `heart_rate_zones` as `/v3/exercises` really writes them: index 0–4, snake_case, ISO durations.
    static func zones(_ w: inout JSONWriter, _ valid: [Double], maxHR: Double) {
        let seconds = GeneratedExercise.zoneSeconds(valid, maxHR: maxHR)
        w.raw(",\"heart_rate_zones\":[")
        for z in 0 ..< 5 {
            if z > 0 { w.raw(",") }
            w.raw("{\"index\":"); w.int(z)
            w.raw(",\"lower_limit\":"); w.int(Int(maxHR * Double(5 + z) / 10))
            w.raw(",\"upper_limit\":"); w.int(Int(maxHR * Double(6 + z) / 10))
            w.raw(",\"in_zone\":"); w.string(isoDuration(Int64(seconds[z]) * 1000, composite: true)); w.raw("}")
        }
        w.raw("]")
    }

    /// `PT3612.345S`, or with `composite` `PT1H12.345S` / `PT21M54.002S` / `PT2H44M45S` / `PT0S`.
    static func isoDuration(_ millis: Int64, composite: Bool) -> String {
        let ms = millis % 1000
        let fraction = ms == 0 ? "" : "." + String(String(ms + 1000).dropFirst())
        guard composite else { return "PT\(millis / 1000)\(fraction)S" }
        let total = millis / 1000
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        var text = "PT"
        if h > 0 { text += "\(h)H" }
        if m > 0 { text += "\(m)M" }
        if s > 0 || !fraction.isEmpty || text == "PT" { text += "\(s)\(fraction)S" }
        return text
    }
}

import Foundation
import PolarPipeCore

/// Writes a generated session in the Polar Flow export's new ("durationMillis") layout, as exports made in 2026 do:
/// `identifier`, numeric sport ids, local times without milliseconds, channel arrays whose missing values are the
/// string `"NaN"`, a bare `NaN` token (not valid JSON) or `null`, integer channels sometimes written `53.0`, way
/// points timed by `elapsedMillis` from a route start that is not the exercise start, fields left out when zero,
/// and sometimes a multisport session: two exercises with the samples between them in `transitionSamples`.
/// File name: `training-session-YYYY-MM-DDTHH:MM:SS-<id>-<uuid>.json` (with colons, as the export names them).
enum NewLayoutWriter {
    /// How a file writes a missing value; real files use one form throughout.
    enum Missing: CaseIterable {
        case quotedNaN, bareNaN, null
        var token: String {
            switch self {
            case .quotedNaN: return "\"NaN\""
            case .bareNaN: return "NaN"
            case .null: return "null"
            }
        }
    }

    struct Style {
        var missing: Missing
        var integersWithPointZero: Bool
        var routeAltitude: Bool
    }

    static let sportIDs = ["RUNNING": "1", "CYCLING": "2", "WALKING": "3"]
    static let sportNames = ["RUNNING": "Running", "CYCLING": "Cycling", "WALKING": "Walking"]

    static func write(_ base: GeneratedSession, multisportShare: Double, rng: inout SeededRandom) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .new
        let d = base.details
        let whole = base.exercises[0]
        let n = whole.heartRate.count

        let multisport = rng.unit() < multisportShare && n >= 600
        let split = Int(Double(n) * (0.35 + 0.3 * rng.unit()))
        let gap = 60 + rng.below(120)
        let uuidLikeID = rng.unit() < 0.5
        let style = Style(missing: Missing.allCases[(d.user + d.index) % 3], integersWithPointZero: rng.unit() < 0.5,
                          routeAltitude: rng.unit() < 0.6)
        let sessionID = uuidLikeID ? SyntheticIDs.uuidLike(&rng) : String(d.numericID)
        let createdMillis = whole.startLocalMillis - whole.startLocalMillis % 1000 + Int64(2 + rng.below(40)) * 3_600_000

        var legs: [GeneratedExercise]
        var transition: GeneratedExercise?
        if multisport {
            let second = whole.sport == "RUNNING" ? "CYCLING" : "RUNNING"
            legs = [whole.part(from: 0, to: split, sport: whole.sport), whole.part(from: split + gap, to: n, sport: second)]
            transition = whole.part(from: split, to: split + gap, sport: whole.sport).startingOnWholeSeconds()
        } else {
            legs = [whole]
        }
        legs = legs.map { $0.startingOnWholeSeconds() }
        for i in legs.indices { legs[i].route = timedRoute(legs[i].route, altitude: style.routeAltitude, rng: &rng) }
        if var t = transition {
            t.route = timedRoute(t.route, altitude: style.routeAltitude, rng: &rng)
            transition = t
        }
        let sessionStart = legs[0].startLocalMillis
        let sessionMillis = whole.durationMillis

        var w = JSONWriter()
        w.reserve(n * 120 + 8192)
        w.raw("{\"identifier\":{\"id\":"); w.string(sessionID); w.raw("}")
        w.raw(",\"created\":"); w.time(createdMillis); w.raw(",\"modified\":"); w.time(createdMillis + 2000)
        w.raw(",\"startTime\":"); w.time(sessionStart, fraction: false)
        w.raw(",\"stopTime\":"); w.time(sessionStart + sessionMillis, fraction: false)
        w.raw(",\"name\":"); w.string(multisport ? "Multisport" : sportNames[whole.sport] ?? "Other")
        w.raw(",\"deviceId\":"); w.string(d.deviceHex)
        w.raw(",\"latitude\":"); w.fixed(d.homeLatitude, 8); w.raw(",\"longitude\":"); w.fixed(d.homeLongitude, 8)
        w.raw(",\"durationMillis\":"); w.int(Int(sessionMillis))
        w.raw(",\"distanceMeters\":"); w.double(whole.reportedDistanceM)
        w.raw(",\"calories\":"); w.int(whole.calories)
        w.raw(",\"trainingBenefit\":\"TRAINING_BENEFIT_TEMPO_AND_STEADY_STATE_TRAINING\",\"fatPercentage\":")
        w.int(20 + d.user % 30)
        w.raw(",\"recoveryTimeMillis\":"); w.string(String(sessionMillis * 18))
        heartRateSummary(&w, whole.validHeartRate)
        w.raw(",\"timezoneOffsetMinutes\":"); w.int(whole.tzOffsetMinutes)
        physicalInformation(&w, base.physical, createdMillis: createdMillis)
        w.raw(",\"application\":{\"name\":\"Polar Flow\"},\"sport\":{\"id\":")
        w.string(multisport ? "82" : sportIDs[whole.sport] ?? "83")
        w.raw("},\"product\":{\"modelName\":\"Polar Vantage V\"},\"exercises\":[")
        for (i, leg) in legs.enumerated() {
            if i > 0 { w.raw(",") }
            exercise(&w, leg, id: d.numericID + 1_000_000_000 + Int64(i), createdMillis: createdMillis,
                     maxHR: base.physical.maxHR ?? 0, style: style, transition: i == 0 ? transition : nil)
        }
        w.raw("],\"trainingLoadReport\":{\"cardioLoad\":"); w.fixed(Double(whole.validHeartRate.count) / 40, 3)
        w.raw(",\"muscleLoad\":-1,\"cardioLoadInterpretation\":\"LOAD_INTERPRETATION_NOT_AVAILABLE\",\"calculationTime\":")
        w.string(JSONWriter.stamp(sessionStart, fraction: false, zulu: true)); w.raw("}}")

        session.exercises = legs
        session.details.transition = transition
        session.details.spanS = Double(sessionMillis) / 1000
        let stamp = PolarTime.format(millis: sessionStart)
        session.relativePath = "training-session-\(stamp)-\(sessionID)-\(d.uuid).json"
        return (w.bytes, session)
    }

    /// `hrMax`/`hrAvg`, written as 0 without a heart-rate sensor, as the export does.
    static func heartRateSummary(_ w: inout JSONWriter, _ valid: [Double]) {
        w.raw(",\"hrMax\":"); w.int(Int(valid.max() ?? 0))
        w.raw(",\"hrAvg\":"); w.int(valid.isEmpty ? 0 : Int(valid.reduce(0, +) / Double(valid.count)))
    }

    static func physicalInformation(_ w: inout JSONWriter, _ p: PhysicalInformation, createdMillis: Int64) {
        w.raw(",\"physicalInformation\":{\"birthday\":"); w.string(p.birthday ?? "")
        w.raw(",\"sex\":"); w.string("SEX_" + (p.sex ?? "MALE"))
        w.raw(",\"weightKg\":"); w.fixed(p.weightKg ?? 0, 1)
        w.raw(",\"heightCm\":"); w.fixed(p.heightCm ?? 0, 1)
        w.raw(",\"maximumHeartRate\":"); w.int(Int(p.maxHR ?? 0))
        w.raw(",\"restingHeartRate\":"); w.int(Int(p.restingHR ?? 0))
        w.raw(",\"aerobicThreshold\":"); w.int(Int(p.aerobicThreshold ?? 0))
        w.raw(",\"anaerobicThreshold\":"); w.int(Int(p.anaerobicThreshold ?? 0))
        w.raw(",\"vo2Max\":"); w.int(Int(p.vo2max ?? 0))
        w.raw(",\"trainingBackground\":\"TRAINING_BACKGROUND_FREQUENT\",\"sleepGoalMinutes\":480,\"created\":")
        w.time(createdMillis - 30 * 86_400_000); w.raw(",\"modified\":"); w.time(createdMillis)
        w.raw("}")
    }

    static func exercise(_ w: inout JSONWriter, _ e: GeneratedExercise, id: Int64, createdMillis: Int64, maxHR: Double,
                         style: Style, transition: GeneratedExercise?) {
        let valid = e.validHeartRate
        w.raw("{\"identifier\":{\"id\":"); w.string(String(id)); w.raw("}")
        w.raw(",\"created\":"); w.time(createdMillis); w.raw(",\"modified\":"); w.time(createdMillis + 2000)
        w.raw(",\"startTime\":"); w.time(e.startLocalMillis, fraction: false)
        w.raw(",\"stopTime\":"); w.time(e.startLocalMillis + e.durationMillis, fraction: false)
        w.raw(",\"durationMillis\":"); w.int(Int(e.durationMillis))
        w.raw(",\"distanceMeters\":"); w.double(e.reportedDistanceM)
        w.raw(",\"calories\":"); w.int(e.calories)
        if e.route.count > 0 {
            w.raw(",\"latitude\":"); w.fixed(e.route.latitude[0], 8); w.raw(",\"longitude\":"); w.fixed(e.route.longitude[0], 8)
        }
        w.raw(",\"timezoneOffsetMinutes\":"); w.int(e.tzOffsetMinutes)
        w.raw(",\"sport\":{\"id\":"); w.string(sportIDs[e.sport] ?? "83")
        w.raw("},\"strengthTrainingResults\":{},\"laps\":{},\"statistics\":{\"statistics\":[")
        if !valid.isEmpty {
            w.raw("{\"type\":\"STATISTICS_TYPE_HEART_RATE\",\"min\":"); w.int(Int(valid.min() ?? 0))
            w.raw(",\"avg\":"); w.int(Int(valid.reduce(0, +) / Double(valid.count)))
            w.raw(",\"max\":"); w.int(Int(valid.max() ?? 0)); w.raw("},")
        }
        let speeds = e.speed.compactMap { $0 }
        w.raw("{\"type\":\"STATISTICS_TYPE_SPEED\",\"avg\":"); w.fixed(speeds.reduce(0, +) / Double(max(1, speeds.count)), 4)
        w.raw(",\"max\":"); w.fixed(speeds.max() ?? 0, 2); w.raw("}]}")
        zones(&w, valid, maxHR: maxHR)
        w.raw(",\"samples\":{\"samples\":")
        channels(&w, e, style: style)
        if let transition {
            w.raw(",\"transitionSamples\":")
            channels(&w, transition, style: style)
        }
        w.raw("},\"routes\":{")
        if e.route.count > 0 {
            w.raw("\"route\":")
            route(&w, e.route, start: e.startLocalMillis, style: style)
            if let transition, transition.route.count > 0 {
                w.raw(",\"transitionRoute\":")
                route(&w, transition.route, start: transition.startLocalMillis, style: style)
            }
        }
        w.raw("}}")
    }

    /// Heart-rate zones 50–60 … 90–100 % of max HR, time in each in ms; zero values are left out, as in real files.
    static func zones(_ w: inout JSONWriter, _ valid: [Double], maxHR: Double) {
        guard maxHR > 0 else { return }
        let millis = GeneratedExercise.zoneSeconds(valid, maxHR: maxHR).map { $0 * 1000 }
        w.raw(",\"zones\":[{\"type\":\"ZONE_TYPE_HEART_RATE\",\"zones\":[")
        for z in 0 ..< 5 {
            if z > 0 { w.raw(",") }
            w.raw("{\"lowerLimit\":"); w.int(Int(maxHR * Double(5 + z) / 10))
            w.raw(",\"higherLimit\":"); w.int(Int(maxHR * Double(6 + z) / 10))
            if millis[z] > 0 { w.raw(",\"inZone\":"); w.int(millis[z]) }
            w.raw("}")
        }
        w.raw("]}]")
    }

    static func channels(_ w: inout JSONWriter, _ e: GeneratedExercise, style: Style) {
        let list: [(String, [Double?], Int)] = [
            ("DISTANCE", e.distance, 1), ("SPEED", e.speed, 2), ("ALTITUDE", e.altitude, 1), ("HEART_RATE", e.heartRate, 0),
        ]
        w.raw("[")
        for (c, (type, values, decimals)) in list.enumerated() {
            if c > 0 { w.raw(",") }
            w.raw("{\"type\":"); w.string(type); w.raw(",\"intervalMillis\":1000,\"values\":[")
            for i in 0 ..< values.count {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                guard let v = values[i] else { w.raw(style.missing.token); continue }
                if decimals > 0 {
                    w.fixed(v, decimals)
                } else {
                    w.int(Int(v))
                    if style.integersWithPointZero { w.raw(".0") }
                }
            }
            w.raw("]}")
        }
        w.raw("]")
    }

    /// Route points re-timed as the new layout times them: a route start one second before the first fix, and
    /// `elapsedMillis` a few milliseconds off the whole second; altitude dropped when the style has none.
    static func timedRoute(_ r: RouteSeries, altitude: Bool, rng: inout SeededRandom) -> RouteSeries {
        guard r.count > 0 else { return r }
        let baseSeconds = max(0, Int64(r.t[0]) - 1)
        var out = RouteSeries()
        for i in 0 ..< r.count {
            let elapsed = (Int64(r.t[i]) - baseSeconds) * 1000 + Int64(rng.below(4))
            out.append(Double(baseSeconds * 1000 + elapsed) / 1000, r.latitude[i], r.longitude[i], altitude ? r.altitude[i] : .nan)
        }
        return out
    }

    static func route(_ w: inout JSONWriter, _ r: RouteSeries, start: Int64, style: Style) {
        let baseSeconds = max(0, Int64(r.t[0].rounded(.down)) - 1)
        w.raw("{\"wayPoints\":[")
        for i in 0 ..< r.count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"longitude\":"); w.fixed(r.longitude[i], 8)
            w.raw(",\"latitude\":"); w.fixed(r.latitude[i], 8)
            if style.routeAltitude { w.raw(",\"altitude\":"); w.fixed(r.altitude[i], 1) }
            w.raw(",\"elapsedMillis\":"); w.int(Int((r.t[i] * 1000).rounded()) - Int(baseSeconds) * 1000)
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("],\"startTime\":"); w.time(start + baseSeconds * 1000); w.raw("}")
    }
}

import Foundation
import PolarPipeCore

/// Writes a generated session in the Polar Flow export's old ("exportVersion") layout: `{dateTime, value}` samples
/// whose missing values have no `value` key, millisecond local times, `"height, cm"` keys, and the export's file
/// name `training-session-YYYY-MM-DD-<id>-<uuid>.json`.
enum OldLayoutWriter {
    static func write(_ base: GeneratedSession) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .old
        let e = base.exercises[0]
        let d = base.details
        let p = base.physical
        let startMillis = e.startLocalMillis
        let duration = e.durationS

        var w = JSONWriter()
        w.reserve(e.heartRate.count * 380 + 4096)
        let validHR = e.validHeartRate
        w.raw("{\"exportVersion\":\"2.6\",\"name\":\"\",\"deviceId\":\"")
        w.raw(d.deviceHex)
        w.raw("\",\"latitude\":"); w.fixed(d.homeLatitude, 8)
        w.raw(",\"longitude\":"); w.fixed(d.homeLongitude, 8)
        w.raw(",\"startTime\":"); w.time(startMillis)
        w.raw(",\"stopTime\":"); w.time(startMillis + Int64(duration * 1000) + 4200)
        w.raw(",\"timeZoneOffset\":"); w.int(e.tzOffsetMinutes)
        w.raw(",\"distance\":"); w.double(e.reportedDistanceM)
        w.raw(",\"duration\":\"PT"); w.fixed(duration, 3); w.raw("S\"")
        if !validHR.isEmpty {
            w.raw(",\"maximumHeartRate\":"); w.int(Int(validHR.max() ?? 0))
            w.raw(",\"averageHeartRate\":"); w.int(Int(validHR.reduce(0, +) / Double(validHR.count)))
        }
        w.raw(",\"kiloCalories\":"); w.int(e.calories)
        w.raw(",\"physicalInformationSnapshot\":{\"dateTime\":"); w.time(d.snapshotLocalMillis)
        w.raw(",\"sex\":\"\(d.male ? "MALE" : "FEMALE")\",\"birthday\":\"\(p.birthday ?? "")\"")
        w.raw(",\"height, cm\":"); w.fixed(p.heightCm ?? 0, 1)
        w.raw(",\"weight, kg\":"); w.fixed(p.weightKg ?? 0, 1)
        w.raw(",\"vo2Max\":"); w.int(Int(p.vo2max ?? 0))
        w.raw(",\"maximumHeartRate\":"); w.int(Int(p.maxHR ?? 0))
        w.raw(",\"restingHeartRate\":"); w.int(Int(p.restingHR ?? 0))
        w.raw(",\"aerobicThreshold\":"); w.int(Int(p.aerobicThreshold ?? 0))
        w.raw(",\"anaerobicThreshold\":"); w.int(Int(p.anaerobicThreshold ?? 0))
        w.raw(",\"sleepGoal\":\"PT28800S\"}")
        w.raw(",\"exercises\":[{\"startTime\":"); w.time(startMillis)
        w.raw(",\"stopTime\":"); w.time(startMillis + Int64(duration * 1000))
        w.raw(",\"timezoneOffset\":"); w.int(e.tzOffsetMinutes)
        w.raw(",\"duration\":\"PT"); w.fixed(duration, 3); w.raw("S\"")
        w.raw(",\"distance\":"); w.double(e.reportedDistanceM)
        w.raw(",\"sport\":\"\(e.sport)\",\"kiloCalories\":"); w.int(e.calories)
        if !validHR.isEmpty {
            w.raw(",\"heartRate\":{\"min\":"); w.int(Int(validHR.min() ?? 0))
            w.raw(",\"avg\":"); w.int(Int(validHR.reduce(0, +) / Double(validHR.count)))
            w.raw(",\"max\":"); w.int(Int(validHR.max() ?? 0)); w.raw("}")
        }
        w.raw(",\"zones\":{},\"samples\":{")
        func channel(_ name: String, _ values: [Double?], decimals: Int) {
            w.raw("\"\(name)\":[")
            for i in 0 ..< values.count {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.raw("{\"dateTime\":"); w.time(startMillis + Int64(i) * 1000)
                if let v = values[i] {
                    w.raw(",\"value\":")
                    if decimals == 0 { w.int(Int(v)) } else { w.fixed(v, decimals) }
                }
                w.byte(UInt8(ascii: "}"))
            }
            w.raw("]")
        }
        channel("heartRate", e.heartRate, decimals: 0); w.raw(",")
        channel("speed", e.speed, decimals: 2); w.raw(",")
        channel("altitude", e.altitude, decimals: 1); w.raw(",")
        channel("distance", e.distance, decimals: 1); w.raw(",\"recordedRoute\":[")
        let route = e.route
        for i in 0 ..< route.count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"dateTime\":"); w.time(startMillis + Int64(route.t[i] * 1000))
            w.raw(",\"longitude\":"); w.fixed(route.longitude[i], 8)
            w.raw(",\"latitude\":"); w.fixed(route.latitude[i], 8)
            w.raw(",\"altitude\":"); w.fixed(route.altitude[i], 1)
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("]}}],\"periodData\":{\"type\":\"TRAINING_SESSION\"}}")

        let date = PolarTime.format(millis: startMillis).prefix(10)
        session.relativePath = "training-session-\(date)-\(d.numericID)-\(d.uuid).json"
        return (w.bytes, session)
    }
}

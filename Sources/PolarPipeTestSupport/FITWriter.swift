import Foundation
import PolarPipeCore

/// Writes a generated session as a FIT activity file, the way a Garmin-style watch does: `file_id`, `user_profile`,
/// a timer-start `event`, one `record` a second (HR, position in semicircles, enhanced altitude, speed, distance),
/// a `lap`, the `session` and the `activity` whose local timestamp gives the time-zone offset. A missing HR is the
/// invalid value 0xFF; the generator's 255 bpm spikes therefore read as missing too, and its 0 bpm spikes are
/// dropped by the decoder (0 is "no reading" in FIT). Named `<start>-<device>.fit`.
enum FITWriter {
    static let sportNumbers: [String: (UInt64, UInt64)] = ["RUNNING": (1, 0), "CYCLING": (2, 0), "WALKING": (11, 0)]

    static func write(_ base: GeneratedSession) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .fit
        var e = base.exercises[0]
        let d = base.details
        let p = base.physical
        // FIT times are whole seconds.
        e.startLocalMillis -= ((e.startLocalMillis % 1000) + 1000) % 1000
        let startUTC = e.startLocalMillis / 1000 - Int64(e.tzOffsetMinutes) * 60
        let start = FITBuilder.fitTime(unixSeconds: startUTC)
        let end = start + UInt64(e.heartRate.count)
        let serial = UInt64(UInt32(d.deviceHex, radix: 16) ?? 1)
        let (sport, subSport) = sportNumbers[e.sport] ?? (0, 0)
        var route = RouteSeries()
        var routeIndex = 0
        let altitudes = e.altitude

        var w = FITBuilder()
        w.define(local: 0, global: 0, [.enumeration(0), .uint16(1), .uint16(2), .uint32z(3), .uint32(4)])
        w.message(local: 0, [4, 123, 999, serial, start])
        w.define(local: 1, global: 3, [.enumeration(1), .uint8(3), .uint16(4), .uint8(8), .uint8(11)])
        w.message(local: 1, [d.male ? 1 : 0, p.heightCm.map { UInt64($0) }, p.weightKg.map { UInt64($0 * 10) },
                             p.restingHR.map { UInt64($0) }, p.maxHR.map { UInt64($0) }])
        w.define(local: 2, global: 21, [.uint32(253), .enumeration(0), .enumeration(1)])
        w.message(local: 2, [start, 0, 0])
        w.define(local: 3, global: 20, [.uint32(253), .sint32(0), .sint32(1), .uint32(78), .uint8(3), .uint32(5), .uint16(6)])
        for i in 0 ..< e.heartRate.count {
            var lat: UInt64?, lon: UInt64?
            if routeIndex < e.route.count, e.route.t[routeIndex] == Double(i) {
                lat = FITBuilder.semicircles(e.route.latitude[routeIndex])
                lon = FITBuilder.semicircles(e.route.longitude[routeIndex])
                routeIndex += 1
            }
            let hr = e.heartRate[i].flatMap { $0 >= 0 && $0 < 255 ? UInt64($0) : nil }
            let altitude = altitudes[i].map { UInt64((($0 + 500) * 5).rounded()) }
            let speed = e.speed[i].map { UInt64(($0 / 3.6 * 1000).rounded()) }
            let distance = e.distance[i].map { UInt64(($0 * 100).rounded()) }
            w.message(local: 3, [start + UInt64(i), lat, lon, altitude, hr, distance, speed])
        }
        for i in 0 ..< e.route.count {
            route.append(e.route.t[i], Double(Int32(truncatingIfNeeded: FITBuilder.semicircles(e.route.latitude[i]))) * 180 / 2_147_483_648,
                         Double(Int32(truncatingIfNeeded: FITBuilder.semicircles(e.route.longitude[i]))) * 180 / 2_147_483_648,
                         Int(e.route.t[i]) < altitudes.count ? altitudes[Int(e.route.t[i])].map { (($0 + 500) * 5).rounded() / 5 - 500 } ?? .nan : .nan)
        }
        e.route = route
        let valid = e.heartRate.compactMap { $0 }.filter { $0 > 0 && $0 < 255 }
        let avgHR = valid.isEmpty ? nil : UInt64(valid.reduce(0, +) / Double(valid.count))
        let maxHR = valid.max().map { UInt64($0) }
        let elapsed = UInt64((e.durationS * 1000).rounded())
        let distance = UInt64((e.reportedDistanceM * 100).rounded())
        let summary: [FITBuilder.Field] = [.uint32(253), .uint32(2), .uint32(7), .uint32(8), .uint32(9), .uint16(11)]
        w.define(local: 4, global: 19, summary + [.uint8(15), .uint8(16)])
        w.message(local: 4, [end, start, elapsed, elapsed, distance, UInt64(e.calories), avgHR, maxHR])
        w.define(local: 5, global: 18, summary + [.enumeration(5), .enumeration(6), .uint8(16), .uint8(17)])
        w.message(local: 5, [end, start, elapsed, elapsed, distance, UInt64(e.calories), sport, subSport, avgHR, maxHR])
        w.define(local: 6, global: 34, [.uint32(253), .uint32(0), .uint16(1), .uint32(5)])
        w.message(local: 6, [end, elapsed, 1, UInt64(Int64(end) + Int64(e.tzOffsetMinutes) * 60)])
        e.reportedDistanceM = Double(distance) / 100
        e.durationS = Double(elapsed) / 1000
        session.exercises = [e]
        let stamp = String(format: "%04d-%02d-%02d-%02d%02d%02d", arguments: Self.civil(e.startLocalMillis))
        session.relativePath = "\(stamp)-\(d.deviceHex).fit"
        return (w.file(), session)
    }

    /// Year, month, day, hour, minute, second of local epoch milliseconds.
    static func civil(_ millis: Int64) -> [Int] {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return [c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0]
    }
}

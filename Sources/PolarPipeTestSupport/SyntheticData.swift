import Foundation
import PolarPipeCore

/// A small, fast, seedable random number generator (SplitMix64), so generated data sets are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Roughly normal (sum of uniforms), mean 0, standard deviation `sd`.
    public mutating func gaussian(_ sd: Double) -> Double {
        (unit() + unit() + unit() + unit() - 2) * sd * 1.732
    }
}

/// One generated session, with the exact samples written to its file (including missing and out-of-range
/// values), so tests can compute the expected database content independently of polarpipe's decoder.
public struct GeneratedSession: Sendable {
    public var relativePath: String
    public var userKey: String
    public var sport: String
    public var startLocalMillis: Int64
    public var tzOffsetMinutes: Int
    public var durationS: Double
    public var reportedDistanceM: Double
    /// HR as written; nil = the element has no `value` key (a dropout).
    public var heartRate: [Double?]
    /// Route points as written, from the first fix; `t` in seconds from the exercise start.
    public var route: RouteSeries
    public var altitude: [Double?]
    public var bytes: Int
}

/// Writes realistic synthetic Polar Flow export files (old layout): 1 Hz heart rate with drift, noise, dropouts and
/// rare sensor spikes; a route with GPS noise, a late first fix and an occasional jump; barometric altitude with
/// leading zeros; speed; cumulative distance. Deterministic for a seed.
public struct SyntheticData: Sendable {
    public var users: Int
    public var sessionsPerUser: Int
    public var seed: UInt64
    /// Length of each session, seconds (default one hour).
    public var durationSeconds: Int
    /// Local start of the first session.
    public var firstDay: (year: Int, month: Int, day: Int)

    public init(users: Int, sessionsPerUser: Int, seed: UInt64 = 1, durationSeconds: Int = 3600,
                firstDay: (year: Int, month: Int, day: Int) = (2026, 1, 5)) {
        self.users = users
        self.sessionsPerUser = sessionsPerUser
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.firstDay = firstDay
    }

    public static func userKey(_ index: Int) -> String { String(format: "athlete-%02d", index + 1) }

    /// Writes `<out>/<user-key>/training-session-….json` for every session; calls `onSession` after each file.
    /// Returns the number of bytes written.
    @discardableResult
    public func write(to out: URL, onSession: (GeneratedSession) -> Void = { _ in }) throws -> Int {
        var total = 0
        for u in 0 ..< users {
            let key = SyntheticData.userKey(u)
            let folder = out.appendingPathComponent(key, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for s in 0 ..< sessionsPerUser {
                var (bytes, session) = makeSession(user: u, index: s)
                let url = folder.appendingPathComponent(session.relativePath)
                try Data(bytes).write(to: url)
                session.relativePath = key + "/" + session.relativePath
                session.bytes = bytes.count
                total += bytes.count
                onSession(session)
                bytes.removeAll()
            }
        }
        return total
    }

    static let sports: [(name: String, speedKmh: Double, weight: Double)] = [
        ("RUNNING", 10.5, 0.6), ("CYCLING", 24, 0.25), ("WALKING", 5.2, 0.15),
    ]

    /// The bytes of one session file and what it contains.
    public func makeSession(user u: Int, index s: Int) -> ([UInt8], GeneratedSession) {
        var rng = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(u) &* 10_007 &+ UInt64(s))
        var userRng = SeededRandom(seed: seed &+ UInt64(u) &* 7919)
        let male = u % 2 == 0
        let maxHR = Double(178 + Int(userRng.unit() * 20))
        let restHR = Double(44 + Int(userRng.unit() * 16))
        let homeLat = 47 + userRng.unit() * 15
        let homeLon = 5 + userRng.unit() * 20
        let offset = [60, 120, 0, -300, 180][u % 5]

        var pick = rng.unit()
        var sport = SyntheticData.sports[0]
        for candidate in SyntheticData.sports {
            if pick < candidate.weight { sport = candidate; break }
            pick -= candidate.weight
        }
        let day = PolarTime.daysFromCivil(firstDay.year, firstDay.month, firstDay.day) + s * 2 + (u % 2)
        let startSecond = (6 + Int(rng.unit() * 13)) * 3600 + Int(rng.unit() * 3600)
        let startMillis = (Int64(day) * 86_400 + Int64(startSecond)) * 1000 + Int64(rng.unit() * 1000)
        let n = durationSeconds
        let duration = Double(n) + Double(Int(rng.unit() * 1000)) / 1000

        // Heart rate: warm-up drift towards a steady state, noise, dropouts, rare spikes.
        var hr = [Double?](repeating: nil, count: n)
        let target = restHR + (maxHR - restHR) * (0.62 + rng.unit() * 0.2)
        var level = restHR + 25
        var dropout = 0
        for i in 0 ..< n {
            level += (target - level) * 0.004 + rng.gaussian(0.6)
            if dropout > 0 {
                dropout -= 1
                continue
            }
            if rng.unit() < 0.002 { dropout = 3 + Int(rng.unit() * 8) }
            var v = (level + rng.gaussian(1.5)).rounded()
            if rng.unit() < 0.0015 { v = rng.unit() < 0.5 ? 0 : 255 }
            hr[i] = v
        }

        // Route: heading random walk at the sport's speed, GPS noise, first fix after 5–25 s, a rare jump.
        var speed = [Double?](repeating: nil, count: n)
        var distance = [Double?](repeating: nil, count: n)
        var altitude = [Double?](repeating: nil, count: n)
        var route = RouteSeries()
        let firstFix = 5 + Int(rng.unit() * 20)
        var lat = homeLat
        var lon = homeLon
        var heading = rng.unit() * 2 * .pi
        var travelled = 0.0
        let baseAltitude = 80 + rng.unit() * 400
        let warmUp = 3 + Int(rng.unit() * 5)
        let jumpAt = rng.unit() < 0.3 ? n / 2 + Int(rng.unit() * Double(n / 4)) : -1
        var altitudeError = 0.0  // GPS altitude error drifts slowly, as on real watches

        for i in 0 ..< n {
            let kmh = max(0, sport.speedKmh * (0.85 + 0.15 * sin(Double(i) / 300)) + rng.gaussian(0.4))
            heading += rng.gaussian(0.05)
            let metres = kmh / 3.6
            travelled += metres
            lat += metres * cos(heading) / 111_320
            lon += metres * sin(heading) / (111_320 * cos(lat * .pi / 180))
            speed[i] = (kmh * 100).rounded() / 100
            distance[i] = (travelled * 10).rounded() / 10
            let terrain = baseAltitude + 25 * sin(travelled / 900) + 8 * sin(travelled / 210)
            altitude[i] = i < warmUp ? 0 : ((terrain + rng.gaussian(0.4)) * 10).rounded() / 10
            if i >= firstFix {
                var pLat = lat + rng.gaussian(2.5) / 111_320
                var pLon = lon + rng.gaussian(2.5) / 111_320
                if i == jumpAt {
                    pLat += 0.01
                    pLon += 0.01
                }
                pLat = (pLat * 1e8).rounded() / 1e8
                pLon = (pLon * 1e8).rounded() / 1e8
                altitudeError = max(-8, min(8, altitudeError * 0.995 + rng.gaussian(0.25)))
                route.append(Double(i), pLat, pLon, ((terrain + altitudeError) * 10).rounded() / 10)
            }
        }
        let reportedDistance = Double(Float(travelled))

        var w = JSONWriter()
        w.reserve(n * 380 + 4096)
        let validHR = hr.compactMap { $0 }.filter { $0 >= 30 && $0 <= 250 }
        let calories = Int(Double(n) / 60 * (male ? 11 : 9))
        w.raw("{\"exportVersion\":\"2.6\",\"name\":\"\",\"deviceId\":\"")
        w.raw(String(format: "%08X", UInt32(truncatingIfNeeded: rng.next())))
        w.raw("\",\"latitude\":"); w.fixed(homeLat, 8)
        w.raw(",\"longitude\":"); w.fixed(homeLon, 8)
        w.raw(",\"startTime\":"); w.time(startMillis)
        w.raw(",\"stopTime\":"); w.time(startMillis + Int64(duration * 1000) + 4200)
        w.raw(",\"timeZoneOffset\":"); w.int(offset)
        w.raw(",\"distance\":"); w.double(reportedDistance)
        w.raw(",\"duration\":\"PT"); w.fixed(duration, 3); w.raw("S\"")
        if !validHR.isEmpty {
            w.raw(",\"maximumHeartRate\":"); w.int(Int(validHR.max() ?? 0))
            w.raw(",\"averageHeartRate\":"); w.int(Int(validHR.reduce(0, +) / Double(validHR.count)))
        }
        w.raw(",\"kiloCalories\":"); w.int(calories)
        w.raw(",\"physicalInformationSnapshot\":{\"dateTime\":"); w.time(startMillis + 86_400_000)
        w.raw(",\"sex\":\"\(male ? "MALE" : "FEMALE")\",\"birthday\":\"\(1970 + u % 30)-0\(1 + u % 9)-1\(u % 10)\"")
        w.raw(",\"height, cm\":"); w.fixed(male ? 178 + Double(u % 7) : 166 + Double(u % 7), 1)
        w.raw(",\"weight, kg\":"); w.fixed(male ? 74 + Double(u % 9) : 60 + Double(u % 9), 1)
        w.raw(",\"vo2Max\":"); w.int(42 + u % 12)
        w.raw(",\"maximumHeartRate\":"); w.int(Int(maxHR))
        w.raw(",\"restingHeartRate\":"); w.int(Int(restHR))
        w.raw(",\"aerobicThreshold\":"); w.int(Int(maxHR * 0.7))
        w.raw(",\"anaerobicThreshold\":"); w.int(Int(maxHR * 0.85))
        w.raw(",\"sleepGoal\":\"PT28800S\"}")
        w.raw(",\"exercises\":[{\"startTime\":"); w.time(startMillis)
        w.raw(",\"stopTime\":"); w.time(startMillis + Int64(duration * 1000))
        w.raw(",\"timezoneOffset\":"); w.int(offset)
        w.raw(",\"duration\":\"PT"); w.fixed(duration, 3); w.raw("S\"")
        w.raw(",\"distance\":"); w.double(reportedDistance)
        w.raw(",\"sport\":\"\(sport.name)\",\"kiloCalories\":"); w.int(calories)
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
        channel("heartRate", hr, decimals: 0); w.raw(",")
        channel("speed", speed, decimals: 2); w.raw(",")
        channel("altitude", altitude, decimals: 1); w.raw(",")
        channel("distance", distance, decimals: 1); w.raw(",\"recordedRoute\":[")
        for i in 0 ..< route.count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"dateTime\":"); w.time(startMillis + Int64(route.t[i] * 1000))
            w.raw(",\"longitude\":"); w.fixed(route.longitude[i], 8)
            w.raw(",\"latitude\":"); w.fixed(route.latitude[i], 8)
            w.raw(",\"altitude\":"); w.fixed(route.altitude[i], 1)
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("]}}],\"periodData\":{\"type\":\"TRAINING_SESSION\"}}")

        let id = 7_000_000_000 + Int64(u) * 100_000 + Int64(s)
        let date = PolarTime.format(millis: startMillis).prefix(10)
        let uuid = String(format: "%08x-%04x-4%03x-8%03x-%012llx", UInt32(truncatingIfNeeded: rng.next()),
                          UInt16(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()) & 0xFFF,
                          UInt16(truncatingIfNeeded: rng.next()) & 0xFFF, rng.next() & 0xFFFF_FFFF_FFFF)
        let session = GeneratedSession(
            relativePath: "training-session-\(date)-\(id)-\(uuid).json", userKey: SyntheticData.userKey(u),
            sport: sport.name, startLocalMillis: startMillis, tzOffsetMinutes: offset, durationS: duration,
            reportedDistanceM: reportedDistance, heartRate: hr, route: route, altitude: altitude, bytes: w.bytes.count)
        return (w.bytes, session)
    }
}

/// Appends JSON text to a byte buffer without going through `String` for numbers and timestamps.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    public init() {}
    mutating func reserve(_ n: Int) { bytes.reserveCapacity(n) }
    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func int(_ v: Int) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(m % 10) + 48)
            m /= 10
        } while m > 0
        bytes.append(contentsOf: digits.reversed())
    }

    /// `v` with exactly `decimals` digits after the point.
    mutating func fixed(_ v: Double, _ decimals: Int) {
        var scale = 1.0
        for _ in 0 ..< decimals { scale *= 10 }
        let scaled = Int64((abs(v) * scale).rounded())
        if v < 0 && scaled != 0 { byte(UInt8(ascii: "-")) }
        let p = Int64(scale)
        int(Int(scaled / p))
        if decimals > 0 {
            byte(UInt8(ascii: "."))
            var frac = scaled % p
            var digits = [UInt8](repeating: 48, count: decimals)
            for k in stride(from: decimals - 1, through: 0, by: -1) {
                digits[k] = UInt8(frac % 10) + 48
                frac /= 10
            }
            bytes.append(contentsOf: digits)
        }
    }

    /// A float32 value printed as a double, as Polar does (`157.89999389648438`).
    mutating func double(_ v: Double) { raw("\(v)") }

    /// A quoted local timestamp `"YYYY-MM-DDTHH:MM:SS.sss"`.
    mutating func time(_ millis: Int64) {
        let days = Int(millis / 86_400_000)
        let (y, m, d) = PolarTime.civilFromDays(days)
        let ms = Int(millis % 86_400_000)
        let sec = ms / 1000
        byte(UInt8(ascii: "\""))
        two(y / 100); two(y % 100); byte(UInt8(ascii: "-")); two(m); byte(UInt8(ascii: "-")); two(d)
        byte(UInt8(ascii: "T")); two(sec / 3600); byte(UInt8(ascii: ":")); two(sec / 60 % 60); byte(UInt8(ascii: ":"))
        two(sec % 60); byte(UInt8(ascii: "."))
        let f = ms % 1000
        byte(UInt8(f / 100) + 48); byte(UInt8(f / 10 % 10) + 48); byte(UInt8(f % 10) + 48)
        byte(UInt8(ascii: "\""))
    }

    @inline(__always) mutating func two(_ v: Int) {
        byte(UInt8(v / 10) + 48)
        byte(UInt8(v % 10) + 48)
    }
}

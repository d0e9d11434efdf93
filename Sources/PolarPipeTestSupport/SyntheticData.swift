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
    /// Uniform in `0 ..< count` (`count` > 0).
    mutating func below(_ count: Int) -> Int { Int(unit() * Double(count)) }
}

/// Writes realistic synthetic Polar training files: 1 Hz heart rate with drift, noise, dropouts and rare sensor
/// spikes; a route with GPS noise, a late first fix and an occasional jump; barometric altitude with leading zeros;
/// speed; cumulative distance; the athlete's physical information. The same session can be written in the Polar
/// Flow export's old or new layout or as AccessLink JSON, each with its real quirks. Deterministic for a seed.
public struct SyntheticData: Sendable {
    public var users: Int
    public var sessionsPerUser: Int
    public var seed: UInt64
    /// Length of each session, seconds (default one hour).
    public var durationSeconds: Int
    /// Local start of the first session.
    public var firstDay: (year: Int, month: Int, day: Int)
    /// The layout of every file, or `mixed` for a per-session choice.
    public var layout: SyntheticLayout
    /// Share of new-layout sessions (of at least ten minutes) written as multisport: two exercises with a transition.
    public var multisportShare: Double
    /// Pack each user's export sessions into `polar-user-data-export_<uuid>.zip` (one archive per export layout)
    /// with a few non-session entries, instead of loose files. AccessLink files stay loose, as a sync writes them, and
    /// so do TCX, GPX and CSV files (Polar Flow exports them one session at a time).
    public var zip: Bool
    /// Give about a third of the files names with `#`, `%`, quotes, spaces and non-ASCII letters.
    public var oddNames: Bool

    public init(users: Int, sessionsPerUser: Int, seed: UInt64 = 1, durationSeconds: Int = 3600,
                firstDay: (year: Int, month: Int, day: Int) = (2026, 1, 5), layout: SyntheticLayout = .old,
                multisportShare: Double = 0.2, zip: Bool = false, oddNames: Bool = false) {
        self.users = users
        self.sessionsPerUser = sessionsPerUser
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.firstDay = firstDay
        self.layout = layout
        self.multisportShare = multisportShare
        self.zip = zip
        self.oddNames = oddNames
    }

    public static func userKey(_ index: Int) -> String { String(format: "athlete-%02d", index + 1) }

    /// Writes every session under `<out>/<user-key>/` (loose files, or export archives with `zip`); calls
    /// `onSession` after each session. Returns the number of bytes written.
    @discardableResult
    public func write(to out: URL, onSession: (GeneratedSession) -> Void = { _ in }) throws -> Int {
        var total = 0
        for u in 0 ..< users {
            let key = SyntheticData.userKey(u)
            let folder = out.appendingPathComponent(key, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var archives = ExportArchives(folder: folder, user: u, seed: seed)
            for s in 0 ..< sessionsPerUser {
                var (bytes, session) = makeSession(user: u, index: s)
                if zip, session.packsIntoExport {
                    let archive = try archives.add(session.relativePath, bytes, layout: session.layout,
                                                   localMillis: session.startLocalMillis)
                    session.archivePath = key + "/" + archive
                } else {
                    try Data(bytes).write(to: folder.appendingPathComponent(session.relativePath))
                    total += bytes.count
                }
                session.relativePath = key + "/" + session.relativePath
                session.bytes = bytes.count
                onSession(session)
                bytes.removeAll()
            }
            total += try archives.finish()
        }
        return total
    }

    /// The layout session `s` of user `u` is written in: `layout`, or for `mixed` a seeded choice
    /// (40 % old, 40 % new, 20 % AccessLink).
    public func layout(user u: Int, index s: Int) -> SyntheticLayout {
        layout == .mixed ? SyntheticData.mixedPick(seed: seed, user: u, index: s) : layout
    }

    static func mixedPick(seed: UInt64, user u: Int, index s: Int) -> SyntheticLayout {
        var rng = SeededRandom(seed: seed &* 3_000_017 &+ UInt64(u) &* 30_011 &+ UInt64(s) &+ 0x4C41_594F_5554)
        let pick = rng.unit()
        return pick < 0.4 ? .old : pick < 0.8 ? .new : .accesslink
    }

    /// The bytes of one session file, in this data set's layout, and what it contains.
    public func makeSession(user u: Int, index s: Int) -> ([UInt8], GeneratedSession) {
        makeSession(user: u, index: s, layout: layout(user: u, index: s))
    }

    /// The bytes of one session file in `layout` (`mixed` picks as `layout(user:index:)` would), and what it
    /// contains. The same user and index give the same session in every layout.
    public func makeSession(user u: Int, index s: Int, layout: SyntheticLayout) -> ([UInt8], GeneratedSession) {
        let concrete = layout == .mixed ? SyntheticData.mixedPick(seed: seed, user: u, index: s) : layout
        let base = baseSession(user: u, index: s)
        var quirks = SeededRandom(seed: seed &* 2_000_003 &+ UInt64(u) &* 20_011 &+ UInt64(s) &+ 0x5EED)
        let written: ([UInt8], GeneratedSession)
        switch concrete {
        case .old, .mixed: written = OldLayoutWriter.write(base)
        case .new: written = NewLayoutWriter.write(base, multisportShare: multisportShare, rng: &quirks)
        case .accesslink: written = AccessLinkWriter.write(base, rng: &quirks)
        case .fit: written = FITWriter.write(base)
        case .tcx: written = TCXWriter.write(base)
        case .gpx: written = GPXWriter.write(base)
        case .csv: written = PolarCSVWriter.write(base)
        }
        let bytes = written.0
        var session = written.1
        if oddNames { session.relativePath = OddNames.decorate(session.relativePath, rng: &quirks) }
        session.bytes = bytes.count
        return (bytes, session)
    }

    static let sports: [(name: String, speedKmh: Double, weight: Double)] = [
        ("RUNNING", 10.5, 0.6), ("CYCLING", 24, 0.25), ("WALKING", 5.2, 0.15),
    ]

    /// The session's content, independent of any layout (as the old layout writes it: one exercise, millisecond
    /// start). Its random numbers are drawn in the order the generator has always drawn them, so a seed keeps
    /// giving the same old-layout files.
    func baseSession(user u: Int, index s: Int) -> GeneratedSession {
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
        let deviceHex = String(format: "%08X", UInt32(truncatingIfNeeded: rng.next()))
        let uuid = String(format: "%08x-%04x-4%03x-8%03x-%012llx", UInt32(truncatingIfNeeded: rng.next()),
                          UInt16(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()) & 0xFFF,
                          UInt16(truncatingIfNeeded: rng.next()) & 0xFFF, rng.next() & 0xFFFF_FFFF_FFFF)
        let physical = PhysicalInformation(
            sex: male ? "MALE" : "FEMALE", birthday: "\(1970 + u % 30)-0\(1 + u % 9)-1\(u % 10)",
            heightCm: male ? 178 + Double(u % 7) : 166 + Double(u % 7), weightKg: male ? 74 + Double(u % 9) : 60 + Double(u % 9),
            maxHR: maxHR, restingHR: restHR, vo2max: Double(42 + u % 12),
            aerobicThreshold: Double(Int(maxHR * 0.7)), anaerobicThreshold: Double(Int(maxHR * 0.85)),
            recordedAtLocalMillis: startMillis + 86_400_000)
        let exercise = GeneratedExercise(
            sport: sport.name, startLocalMillis: startMillis, tzOffsetMinutes: offset, durationS: duration,
            reportedDistanceM: Double(Float(travelled)), calories: Int(Double(n) / 60 * (male ? 11 : 9)),
            heartRate: hr, speed: speed, altitude: altitude, distance: distance, route: route)
        let details = SessionDetails(
            user: u, index: s, male: male, deviceHex: deviceHex, homeLatitude: homeLat, homeLongitude: homeLon,
            numericID: 7_000_000_000 + Int64(u) * 100_000 + Int64(s), uuid: uuid,
            snapshotLocalMillis: startMillis + 86_400_000, spanS: duration, transition: nil)
        return GeneratedSession(relativePath: "", userKey: SyntheticData.userKey(u), layout: .old, physical: physical,
                                exercises: [exercise], bytes: 0, details: details)
    }
}

import PolarPipeCore

extension GeneratedExercise {
    /// Whole milliseconds of the duration, as `durationMillis` writes it.
    var durationMillis: Int64 { Int64((durationS * 1000).rounded()) }

    /// Seconds `from ..< to` of this exercise as an exercise of its own (a multisport leg or a transition): times
    /// from its own start, cumulative distance from its own start, the route points of those seconds.
    func part(from a: Int, to b: Int, sport: String) -> GeneratedExercise {
        let last = b >= heartRate.count
        let millis = last ? durationMillis - Int64(a) * 1000 : Int64(b - a) * 1000
        let base = a > 0 ? distance[a - 1] ?? 0 : 0
        let legDistance = distance[a ..< b].map { v in v.map { a > 0 ? (($0 - base) * 10).rounded() / 10 : $0 } }
        var legRoute = RouteSeries()
        for i in 0 ..< route.count where route.t[i] >= Double(a) && route.t[i] < Double(b) {
            legRoute.append(route.t[i] - Double(a), route.latitude[i], route.longitude[i], route.altitude[i])
        }
        return GeneratedExercise(
            sport: sport, startLocalMillis: startLocalMillis + Int64(a) * 1000, tzOffsetMinutes: tzOffsetMinutes,
            durationS: Double(millis) / 1000, reportedDistanceM: Double(Float(legDistance.last.flatMap { $0 } ?? 0)),
            calories: calories * (b - a) / max(1, heartRate.count),
            heartRate: Array(heartRate[a ..< b]), speed: Array(speed[a ..< b]), altitude: Array(altitude[a ..< b]),
            distance: legDistance, route: legRoute)
    }

    /// Seconds of 1 Hz heart rate in the zones 50–60 … 90–100 % of max HR, as the files' zone tables state them.
    static func zoneSeconds(_ valid: [Double], maxHR: Double) -> [Int] {
        var seconds = [Int](repeating: 0, count: 5)
        for bpm in valid where bpm * 100 / maxHR >= 50 {
            seconds[min(4, Int((bpm * 100 / maxHR / 10).rounded(.down)) - 5)] += 1
        }
        return seconds
    }

    /// The start as a layout without milliseconds writes it (new layout, AccessLink).
    func startingOnWholeSeconds() -> GeneratedExercise {
        var e = self
        e.startLocalMillis = startLocalMillis - startLocalMillis % 1000
        e.durationS = Double(durationMillis) / 1000
        return e
    }
}

/// Identifiers in the forms the real files use.
enum SyntheticIDs {
    /// A UUID-like id of the 2026 new-layout exports (`0e06d24f-6090-3b43-5e0f-256cec0e3b40`).
    static func uuidLike(_ rng: inout SeededRandom) -> String {
        let a = UInt32(truncatingIfNeeded: rng.next()), b = UInt16(truncatingIfNeeded: rng.next())
        let c = UInt16(truncatingIfNeeded: rng.next()), d = UInt16(truncatingIfNeeded: rng.next())
        let e = rng.next() & 0xFFFF_FFFF_FFFF
        return String(format: "%08x-%04x-%04x-%04x-%012llx", a, b, c, d, e)
    }

    /// AccessLink's hashed exercise id (`y7lOpwnJ`).
    static func hashed(_ rng: inout SeededRandom) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0 ..< 8).map { _ in alphabet[rng.below(alphabet.count)] })
    }
}

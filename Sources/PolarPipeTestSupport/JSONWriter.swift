import PolarPipeCore

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

    /// A quoted string; `s` must need no escaping (generated identifiers and enum names).
    mutating func string(_ s: String) {
        byte(UInt8(ascii: "\""))
        raw(s)
        byte(UInt8(ascii: "\""))
    }

    /// A quoted local timestamp `"YYYY-MM-DDTHH:MM:SS.sss"`, or without the fraction (new layout, AccessLink).
    mutating func time(_ millis: Int64, fraction: Bool = true) {
        let days = Int(millis / 86_400_000)
        let (y, m, d) = PolarTime.civilFromDays(days)
        let ms = Int(millis % 86_400_000)
        let sec = ms / 1000
        byte(UInt8(ascii: "\""))
        two(y / 100); two(y % 100); byte(UInt8(ascii: "-")); two(m); byte(UInt8(ascii: "-")); two(d)
        byte(UInt8(ascii: "T")); two(sec / 3600); byte(UInt8(ascii: ":")); two(sec / 60 % 60); byte(UInt8(ascii: ":"))
        two(sec % 60)
        if fraction {
            byte(UInt8(ascii: "."))
            let f = ms % 1000
            byte(UInt8(f / 100) + 48); byte(UInt8(f / 10 % 10) + 48); byte(UInt8(f % 10) + 48)
        }
        byte(UInt8(ascii: "\""))
    }

    /// A timestamp as text without quotes; with `zulu` a "Z" follows (AccessLink's UTC times, and the new layout's
    /// `calculationTime`, which holds a local time all the same).
    static func stamp(_ millis: Int64, fraction: Bool, zulu: Bool) -> String {
        var w = JSONWriter()
        w.time(millis, fraction: fraction)
        w.bytes.removeFirst()
        w.bytes.removeLast()
        return String(decoding: w.bytes, as: UTF8.self) + (zulu ? "Z" : "")
    }

    @inline(__always) mutating func two(_ v: Int) {
        byte(UInt8(v / 10) + 48)
        byte(UInt8(v % 10) + 48)
    }
}

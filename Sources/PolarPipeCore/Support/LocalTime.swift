/// Fixed-format parsing of the local timestamps and ISO-8601 durations Polar files use.
///
/// Foundation's date formatters cost about 60 µs per timestamp on Linux (MEASURED.md), far too slow for
/// 1 Hz samples; these parsers read the bytes directly.
public enum PolarTime {
    /// Milliseconds since 1970-01-01T00:00:00 of a *local* wall-clock time `YYYY-MM-DDTHH:MM:SS[.fff…][Z]`,
    /// computed as if it were UTC. Returns nil for anything else (including impossible dates).
    public static func localMillis(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { localMillis($0, 0, $0.count) }
    }

    @inline(__always)
    static func localMillis(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end - start >= 19 else { return nil }
        @inline(__always) func d(_ k: Int) -> Int? {
            let c = b[start + k] &- 0x30
            return c < 10 ? Int(c) : nil
        }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3),
              b[start + 4] == UInt8(ascii: "-"), let m0 = d(5), let m1 = d(6),
              b[start + 7] == UInt8(ascii: "-"), let d0 = d(8), let d1 = d(9),
              b[start + 10] == UInt8(ascii: "T") || b[start + 10] == UInt8(ascii: " "),
              let h0 = d(11), let h1 = d(12), b[start + 13] == UInt8(ascii: ":"),
              let i0 = d(14), let i1 = d(15), b[start + 16] == UInt8(ascii: ":"),
              let s0 = d(17), let s1 = d(18)
        else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        let month = m0 * 10 + m1
        let day = d0 * 10 + d1
        let hour = h0 * 10 + h1
        let minute = i0 * 10 + i1
        let second = s0 * 10 + s1
        guard (1 ... 12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour < 24, minute < 60, second < 61 else { return nil }
        var millis = 0
        var k = start + 19
        if k < end, b[k] == UInt8(ascii: ".") {
            k += 1
            var scale = 100
            let fractionStart = k
            while k < end, b[k] &- 0x30 < 10 {
                millis += Int(b[k] &- 0x30) * scale
                scale /= 10
                k += 1
            }
            if k == fractionStart { return nil }
        }
        if k < end, b[k] == UInt8(ascii: "Z") { k += 1 }
        guard k == end else { return nil }
        let days = daysFromCivil(year, month, day)
        return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS[.fff]` (no zone designator).
    public static func format(millis: Int64, fraction: Bool = false) -> String {
        let totalSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - totalSeconds * 1000)
        let days = Int(totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400)
        let secondOfDay = Int(totalSeconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var s = "\(y)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if fraction {
            s += "." + (ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)")
        }
        return s
    }

    /// The watch's own wall-clock time of a UTC instant, to the minute, with its offset: `2025-02-11 22:18 (+08:00)`.
    /// Without an offset the stored instant is the watch's clock taken as UTC, so it is shown as it is, marked
    /// `(offset unknown)`. Offsets beyond the ±18 h that exist are clamped.
    public static func displayLocal(utcMillis: Int64, offsetMinutes: Int?) -> String {
        guard let offsetMinutes else { return minutes(utcMillis) + " (offset unknown)" }
        let offset = max(-18 * 60, min(18 * 60, offsetMinutes))
        let local = CheckedConversion.saturatingAdd(utcMillis, Int64(offset) * 60_000)
        let magnitude = abs(offset)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return minutes(local) + " (" + (offset < 0 ? "-" : "+") + two(magnitude / 60) + ":" + two(magnitude % 60) + ")"
    }

    /// `YYYY-MM-DD HH:MM` of epoch milliseconds (no zone).
    public static func minutes(_ millis: Int64) -> String {
        String(format(millis: millis).replacingOccurrences(of: "T", with: " ").prefix(16))
    }

    /// Formats epoch milliseconds as an ISO-8601 UTC instant `YYYY-MM-DDTHH:MM:SS.fffZ`.
    public static func formatUTC(millis: Int64) -> String { format(millis: millis, fraction: true) + "Z" }

    /// Seconds of an ISO-8601 duration `P[nD]T[nH][nM][n.nnnS]` (also `PT876.877S`); nil when malformed.
    public static func durationSeconds(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "P") else { return nil }
        bytes.removeFirst()
        var total = 0.0
        var number = ""
        var inTime = false
        var sawComponent = false
        for c in bytes {
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "."):
                number.append(Character(UnicodeScalar(c)))
            case UInt8(ascii: "T"):
                guard number.isEmpty, !inTime else { return nil }
                inTime = true
            case UInt8(ascii: "D"), UInt8(ascii: "H"), UInt8(ascii: "M"), UInt8(ascii: "S"), UInt8(ascii: "W"):
                guard let v = Double(number) else { return nil }
                number = ""
                sawComponent = true
                switch (c, inTime) {
                case (UInt8(ascii: "W"), false): total += v * 604_800
                case (UInt8(ascii: "D"), false): total += v * 86_400
                case (UInt8(ascii: "H"), true): total += v * 3600
                case (UInt8(ascii: "M"), true): total += v * 60
                case (UInt8(ascii: "S"), true): total += v
                default: return nil
                }
            default:
                return nil
            }
        }
        guard number.isEmpty, sawComponent, total.isFinite else { return nil }
        return total
    }
}

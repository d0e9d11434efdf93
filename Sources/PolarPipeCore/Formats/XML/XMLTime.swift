/// The instants TCX and GPX write: `YYYY-MM-DDTHH:MM:SS[.f…]` followed by `Z`, by an offset `±HH:MM` (or `±HHMM`),
/// or by nothing (taken as UTC).
enum XMLTime {
    /// A parsed instant: UTC epoch milliseconds, and the offset in minutes east of UTC when the text states one
    /// other than `Z`.
    struct Instant: Equatable {
        var utcMillis: Int64
        var offsetMinutes: Int?
        /// Wall-clock time at the stated offset (UTC when there is none), as `Exercise.startLocalMillis` wants it.
        var localMillis: Int64 { utcMillis + Int64(offsetMinutes ?? 0) * 60_000 }
    }

    static func instant(_ text: String) -> Instant? {
        let bytes = Array(text.utf8)
        var end = bytes.count
        var offset: Int?
        // An offset is the last six (`+02:00`) or five (`+0200`) bytes, after the seconds (byte 19 on).
        for length in [6, 5] where end - length >= 19 {
            let sign = bytes[end - length]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { continue }
            let digits = bytes[(end - length + 1)...].filter { $0 != UInt8(ascii: ":") }
            guard digits.count == 4, digits.allSatisfy({ $0 &- 0x30 < 10 }),
                  length == 5 || bytes[end - 3] == UInt8(ascii: ":") else { return nil }
            let d = digits.map { Int($0 - 0x30) }
            let hours = d[0] * 10 + d[1]
            let minutes = d[2] * 10 + d[3]
            guard hours <= 18, minutes < 60 else { return nil }
            offset = (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
            end -= length
            break
        }
        let wallClock = String(decoding: bytes[0 ..< end], as: UTF8.self)
        guard let local = PolarTime.localMillis(wallClock) else { return nil }
        return Instant(utcMillis: local - Int64(offset ?? 0) * 60_000, offsetMinutes: offset)
    }
}

import Foundation

/// Fast conversion of a JSON number's bytes to a Double.
enum JSONNumber {
    /// Exact powers of ten representable as Double (10^0 … 10^22).
    static let exactPowers: [Double] = (0 ... 22).map { pow(10.0, Double($0)) }

    /// Parses the number in `b[start..<end]`. Plain decimals with at most 15 significant digits take a fast path
    /// that is exactly rounded (an exact integer divided by an exact power of ten); everything else uses `strtod`.
    @inline(__always)
    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        while i < end {
            let c = b[i]
            if c &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                return slowParse(b, start, end)
            }
            i += 1
        }
        if digits == 0 { return nil }
        if digits > 15 { return slowParse(b, start, end) }
        var value = Double(mantissa)
        if fractionDigits > 0 { value /= exactPowers[fractionDigits] }
        return negative ? -value : value
    }

    static func slowParse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var text = [CChar](repeating: 0, count: end - start + 1)
        for k in start ..< end { text[k - start] = CChar(bitPattern: b[k]) }
        return text.withUnsafeBufferPointer { p -> Double? in
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(p.baseAddress!, &endPointer)
            guard let endPointer, endPointer - UnsafeMutablePointer(mutating: p.baseAddress!) == end - start else { return nil }
            return value
        }
    }
}

/// Decodes JSON string escapes (`\n`, `\u00e9`, surrogate pairs).
enum JSONStringUnescaper {
    static func unescape(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0 ..< 4 {
                let c = bytes[at + k]
                let d: UInt32
                switch c {
                case 0x30 ... 0x39: d = UInt32(c - 0x30)
                case 0x41 ... 0x46: d = UInt32(c - 0x41 + 10)
                default: d = UInt32(c - 0x61 + 10)
                }
                v = v << 4 | d
            }
            return v
        }
        while i < range.upperBound {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            let e = bytes[i + 1]
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A); i += 2
            case UInt8(ascii: "t"): out.append(0x09); i += 2
            case UInt8(ascii: "r"): out.append(0x0D); i += 2
            case UInt8(ascii: "b"): out.append(0x08); i += 2
            case UInt8(ascii: "f"): out.append(0x0C); i += 2
            case UInt8(ascii: "u"):
                var scalar = hex4(i + 2)
                i += 6
                if (0xD800 ... 0xDBFF).contains(scalar), i + 6 <= range.upperBound,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let low = hex4(i + 2)
                    if (0xDC00 ... 0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let u = UnicodeScalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(e); i += 2
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

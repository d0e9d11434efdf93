/// Decimal numbers read straight from a field's ASCII bytes, without making a `String` first.
///
/// The common form, `[+-]digits[.digits]` with at most 15 digits, is computed as an integer divided by a power of
/// ten: both are exact doubles (below 2⁵³ and 10²²), so the one rounded division gives the same double as
/// `Double(String)`. Any other ASCII field (an exponent, more digits, no digits at all) is handed to
/// `Double(String)` as it is (spaces and tabs are already trimmed), and a field with other bytes to `TextNumber`,
/// which trims every kind of blank: what is accepted and what is refused are exactly as `TextNumber`'s.
enum DecimalBytes {
    /// The field's value when it is a finite number within `range`.
    static func value(_ s: ArraySlice<UInt8>, in range: ClosedRange<Double>) -> Double? {
        if s.isEmpty { return nil }
        if let v = simple(s) { return range.contains(v) ? v : nil }
        let text = String(decoding: s, as: UTF8.self)
        guard s.allSatisfy({ $0 < 0x80 }) else { return TextNumber.value(text, in: range) }
        guard let v = Double(text), v.isFinite, range.contains(v) else { return nil }
        return v
    }

    private static let powersOfTen: [Double] = (0 ... 15).map { p in (0 ..< p).reduce(1.0) { r, _ in r * 10 } }

    /// The value of `[+-]digits[.digits]` with at most 15 digits in all; nil for any other text.
    static func simple(_ s: ArraySlice<UInt8>) -> Double? {
        var i = s.startIndex
        var negative = false
        if i < s.endIndex, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
            negative = s[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var integerDigits = 0, fractionDigits = 0
        var point = false
        while i < s.endIndex {
            let c = s[i]
            if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                guard integerDigits + fractionDigits < 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(c - UInt8(ascii: "0"))
                if point { fractionDigits += 1 } else { integerDigits += 1 }
            } else if c == UInt8(ascii: "."), !point, integerDigits > 0 {
                point = true
            } else {
                return nil
            }
            i += 1
        }
        guard integerDigits > 0, !point || fractionDigits > 0 else { return nil }
        let v = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -v : v
    }
}

/// Makes an exercise's raw JSON acceptable to PostgreSQL's JSONB. polarpipe's parser accepts what real Polar files
/// contain but JSONB refuses: bare `NaN` tokens (the 2026 export layout) and the escape `\u0000` inside strings.
/// Outside strings `NaN` becomes `null`; inside strings `\u0000` becomes `\uFFFD` (the replacement character).
enum JSONBText {
    static func sanitised(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "N")) || bytes.contains(UInt8(ascii: "\\")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    if Array(bytes[i ..< min(i + 6, bytes.count)]) == Array("\\u0000".utf8) {
                        out.append(contentsOf: Array("\\uFFFD".utf8))
                        i += 6
                        continue
                    }
                    out.append(b)
                    out.append(bytes[i + 1])
                    i += 2
                    continue
                }
                if b == UInt8(ascii: "\"") { inString = false }
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "N"), i + 3 <= bytes.count, bytes[i + 1] == UInt8(ascii: "a"), bytes[i + 2] == UInt8(ascii: "N") {
                out.append(contentsOf: Array("null".utf8))
                i += 3
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

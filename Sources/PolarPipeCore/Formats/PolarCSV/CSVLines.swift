/// Comma-separated lines as Polar Flow writes them, read one line at a time from the file's bytes: `\n`, `\r\n` or
/// `\r` line ends (blank lines skipped), a trailing comma on every line (an empty last field, dropped), and double
/// quotes around a field that holds a comma or a quote (`""` inside). A line's fields are copied into one buffer
/// that is reused for every line, so reading a file allocates nothing a line once the buffer has grown to the
/// longest line; spaces and tabs around a field are trimmed.
struct CSVLines {
    private let bytes: [UInt8]
    private var position = 0
    /// The current line's fields, quotes removed and `""` unescaped, one after another.
    private(set) var storage: [UInt8] = []
    /// Each field's bytes in `storage`, trimmed.
    private(set) var fields: [Range<Int>] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    /// Moves to the next line that is not blank; false at the end of the file.
    mutating func next() -> Bool {
        while position < bytes.count, bytes[position] == Self.lf || bytes[position] == Self.cr { position += 1 }
        guard position < bytes.count else { return false }
        storage.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        var start = 0
        var quoted = false
        while position < bytes.count {
            let c = bytes[position]
            if c == Self.lf || c == Self.cr { break }
            position += 1
            if quoted {
                guard c == Self.quote else { storage.append(c); continue }
                // A doubled quote is a literal quote; a single one closes the field's quoting.
                if position < bytes.count, bytes[position] == Self.quote {
                    storage.append(c)
                    position += 1
                } else {
                    quoted = false
                }
            } else if c == Self.quote, storage.count == start {
                quoted = true
            } else if c == Self.comma {
                fields.append(Self.trimmed(storage, start ..< storage.count))
                start = storage.count
            } else {
                storage.append(c)
            }
        }
        // The trailing comma leaves an empty last field: not a column.
        if storage.count > start { fields.append(Self.trimmed(storage, start ..< storage.count)) }
        return true
    }

    var count: Int { fields.count }

    /// Field `i`'s bytes (an empty slice past the end of the line).
    subscript(_ i: Int) -> ArraySlice<UInt8> { i < fields.count ? storage[fields[i]] : [] }

    /// Field `i` as text, trimmed of every kind of blank (an empty string past the end of the line).
    func string(_ i: Int) -> String {
        let text = String(decoding: self[i], as: UTF8.self)
        return self[i].allSatisfy { $0 < 0x80 } ? text : text.trimmingCharacters(in: .whitespaces)
    }

    /// Every field as text.
    var strings: [String] { fields.indices.map(string) }

    private static func trimmed(_ s: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, s[lower] == 0x20 || s[lower] == 0x09 { lower += 1 }
        while upper > lower, s[upper - 1] == 0x20 || s[upper - 1] == 0x09 { upper -= 1 }
        return lower ..< upper
    }
}

/// Comma-separated lines as Polar Flow writes them: `\n` or `\r\n` line ends, a trailing comma on every line (an
/// empty last field, dropped), and double quotes around a field that holds a comma or a quote (`""` inside).
enum CSVLines {
    /// The fields of every line of `text`; blank lines are skipped.
    static func rows(_ text: String) -> [[String]] {
        text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }.map { fields(Substring($0)) }
    }

    static func fields(_ line: Substring) -> [String] {
        var result: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a literal quote; a single one closes the field's quoting.
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { result.append(field); field = "" } else { field.append(next) }
                        }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"", field.isEmpty {
                quoted = true
            } else if c == "," {
                result.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        // The trailing comma leaves an empty last field: not a column.
        if !field.isEmpty { result.append(field) }
        return result.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

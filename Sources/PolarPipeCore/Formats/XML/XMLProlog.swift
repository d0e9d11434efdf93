/// What precedes an XML document's root element: the XML declaration, processing instructions, comments, white space
/// and perhaps a document type declaration. Read from the raw bytes, without a parser, so that format detection and
/// the refusal of DTDs cost a few hundred bytes of scanning.
struct XMLProlog: Equatable {
    /// The root element's qualified name as written (`TrainingCenterDatabase`, `gpx`, `a:gpx`).
    var rootName: String
    /// Whether a `<!DOCTYPE` declaration comes before the root.
    var hasDocumentType: Bool
    /// The encoding the XML declaration names (`<?xml version="1.0" encoding="UTF-8"?>`), as written; nil without one.
    var declaredEncoding: String? = nil

    /// The declared encodings a document may have (compared without case): UTF-8 and its subsets, and ISO-8859-1,
    /// which the parser reads itself. Any other makes libxml2, under FoundationXML, convert through iconv or fail to
    /// find a converter, and some of those paths crash the process (`EBCDIC-US`; `UTF-7` with a malformed document):
    /// such a document is refused before it reaches the parser. Training files are written in UTF-8.
    static let readableEncodings: Set<String> = ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1"]

    /// Whether the declared encoding, if any, is one of `readableEncodings`.
    var hasReadableEncoding: Bool { declaredEncoding.map { Self.readableEncodings.contains($0.lowercased()) } ?? true }

    /// The root element's name without a prefix.
    var rootLocalName: Substring { rootName.split(separator: ":", omittingEmptySubsequences: false).last ?? Substring(rootName) }

    /// The prolog of `bytes`, scanning at most `limit` bytes; nil when no start tag is found within them (not XML,
    /// or an element after a very long comment).
    static func scan(_ bytes: [UInt8], limit: Int = 65_536) -> XMLProlog? {
        let end = min(bytes.count, limit)
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var doctype = false
        var encoding: String?
        func skip(past terminator: [UInt8]) -> Bool {
            while i + terminator.count <= end {
                if bytes[i] == terminator[0], Array(bytes[i ..< i + terminator.count]) == terminator {
                    i += terminator.count
                    return true
                }
                i += 1
            }
            return false
        }
        func at(_ text: String) -> Bool {
            let t = Array(text.utf8)
            return i + t.count <= end && Array(bytes[i ..< i + t.count]) == t
        }
        while i < end {
            let c = bytes[i]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1; continue }
            guard c == UInt8(ascii: "<") else { return nil }
            if at("<?") {
                let start = i
                guard skip(past: Array("?>".utf8)) else { return nil }
                if i - start > 6, Array(bytes[start ..< start + 5]) == Array("<?xml".utf8),
                   [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 5]) {
                    encoding = declaredEncoding(in: bytes[start ..< i])
                }
            } else if at("<!--") {
                guard skip(past: Array("-->".utf8)) else { return nil }
            } else if at("<!DOCTYPE") {
                doctype = true
                guard skipDocumentType(bytes, &i, end) else { return nil }
            } else {
                i += 1
                let nameStart = i
                while i < end, isNameByte(bytes[i]) { i += 1 }
                guard i > nameStart else { return nil }
                return XMLProlog(rootName: String(decoding: bytes[nameStart ..< i], as: UTF8.self), hasDocumentType: doctype,
                                 declaredEncoding: encoding)
            }
        }
        return nil
    }

    /// The value of the `encoding` pseudo-attribute of an XML declaration (`<?xml … encoding="…"?>`), at most 64 bytes.
    private static func declaredEncoding(in declaration: ArraySlice<UInt8>) -> String? {
        let text = Array(declaration)
        let key = Array("encoding".utf8)
        guard text.count > key.count else { return nil }
        for k in 0 ... text.count - key.count where Array(text[k ..< k + key.count]) == key {
            var j = k + key.count
            while j < text.count, text[j] == 0x20 || text[j] == 0x09 || text[j] == 0x0A || text[j] == 0x0D { j += 1 }
            guard j < text.count, text[j] == UInt8(ascii: "=") else { continue }
            j += 1
            while j < text.count, text[j] == 0x20 || text[j] == 0x09 || text[j] == 0x0A || text[j] == 0x0D { j += 1 }
            guard j < text.count, text[j] == UInt8(ascii: "\"") || text[j] == UInt8(ascii: "'") else { return "" }
            let quote = text[j]
            let valueStart = j + 1
            var e = valueStart
            while e < text.count, text[e] != quote, e - valueStart < 64 { e += 1 }
            return String(decoding: text[valueStart ..< e], as: UTF8.self)
        }
        return nil
    }

    /// Moves `i` past `<!DOCTYPE …>`, including an internal subset in brackets.
    private static func skipDocumentType(_ bytes: [UInt8], _ i: inout Int, _ end: Int) -> Bool {
        var bracket = 0
        var quote: UInt8 = 0
        while i < end {
            let c = bytes[i]
            i += 1
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: "[") {
                bracket += 1
            } else if c == UInt8(ascii: "]") {
                bracket -= 1
            } else if c == UInt8(ascii: ">"), bracket <= 0 {
                return true
            }
        }
        return false
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), 0x80 ... 0xFF:
            return true
        default:
            return false
        }
    }
}

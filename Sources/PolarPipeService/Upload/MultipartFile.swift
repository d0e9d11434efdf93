/// The file of a `multipart/form-data` body (an HTML form's file input, `curl -F file=@run.json`), read as the body
/// streams in: the first part with a `filename` is handed to a sink chunk by chunk, every other part is passed over.
///
/// Bounded whatever the body holds: part headers may take at most `maxHeaderBytes`, and besides them at most one
/// delimiter's length of bytes is held back between chunks (the rest of a chunk goes to the sink or is dropped).
struct MultipartFile {
    /// A body that is no well-formed `multipart/form-data` with a file.
    enum Failure: Error, Equatable {
        case malformed(String)
        case noFile
    }

    static let maxHeaderBytes = 16 << 10

    /// The form's boundary, from a `Content-Type` like `multipart/form-data; boundary="----x"`; nil for any other type
    /// or a boundary that is not 1 to 70 characters (RFC 2046).
    static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = parts.first, type.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "="),
                  parameter[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = parameter[parameter.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard (1 ... 70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            return value
        }
        return nil
    }

    private enum State { case preamble, headers, body(isFile: Bool), done }

    /// `CRLF--boundary`: what ends a part (the body is read as if it began with a CRLF, so the first delimiter matches too).
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var buffer: [UInt8] = [13, 10]
    /// The file part's `filename` once its headers were read.
    private(set) var fileName: String?
    /// Whether the file part has ended (its closing delimiter was read).
    private(set) var fileComplete = false

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Reads the next chunk of the body; the file part's bytes go to `sink`.
    mutating func feed(_ chunk: some Collection<UInt8>, sink: (ArraySlice<UInt8>) throws -> Void) throws {
        if case .done = state { return }
        buffer.append(contentsOf: chunk)
        var start = 0
        defer { buffer.removeFirst(start) }
        while true {
            switch state {
            case .done:
                start = buffer.count
                return
            case .headers:
                if buffer.count - start >= 2, buffer[start] == 13, buffer[start + 1] == 10 {  // a part without headers
                    state = .body(isFile: false)
                    start += 2
                    continue
                }
                guard let end = Self.find([13, 10, 13, 10], in: buffer, from: start) else {
                    if buffer.count - start > Self.maxHeaderBytes { throw Failure.malformed("part headers longer than \(Self.maxHeaderBytes) bytes") }
                    return
                }
                var isFile = false
                if fileName == nil, let name = Self.partFileName(buffer[start ..< end]) {
                    fileName = name
                    isFile = true
                }
                state = .body(isFile: isFile)
                start = end + 4
            case .preamble, .body:
                let isFile: Bool
                if case .body(true) = state { isFile = true } else { isFile = false }
                guard let at = Self.find(delimiter, in: buffer, from: start) else {
                    // Everything but a possible start of the delimiter is part content (or preamble) for sure.
                    let safe = max(start, buffer.count - delimiter.count + 1)
                    if isFile, safe > start { try sink(buffer[start ..< safe]) }
                    start = safe
                    return
                }
                let after = at + delimiter.count
                guard buffer.count >= after + 2 else {
                    if isFile, at > start { try sink(buffer[start ..< at]) }
                    start = at
                    return
                }
                if isFile {
                    if at > start { try sink(buffer[start ..< at]) }
                    fileComplete = true
                }
                if buffer[after] == 0x2D, buffer[after + 1] == 0x2D {  // "--": the closing delimiter
                    state = .done
                    start = buffer.count
                    return
                }
                guard let lineEnd = Self.find([13, 10], in: buffer, from: after) else {
                    if buffer.count - after > 256 { throw Failure.malformed("a delimiter line does not end") }
                    start = at
                    return
                }
                // Transport padding (spaces, tabs) may follow a delimiter before its line ends.
                guard buffer[after ..< lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else {
                    throw Failure.malformed("text after a delimiter")
                }
                state = .headers
                start = lineEnd + 2
            }
        }
    }

    /// Checks that the body ended after a complete file part.
    func finish() throws {
        guard fileName != nil else { throw Failure.noFile }
        guard fileComplete else { throw Failure.malformed("the body ends inside the file") }
    }

    /// The `filename` of a part's `Content-Disposition: form-data; name="file"; filename="run.json"`, or nil.
    static func partFileName(_ headers: ArraySlice<UInt8>) -> String? {
        for line in String(decoding: headers, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            for parameter in line[line.index(after: colon)...].split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "filename" else { continue }
                var value = pair[1]
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                return value
            }
        }
        return nil
    }

    /// The first index at or after `from` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            guard let hit = haystack[i ... last].firstIndex(of: first) else { return nil }
            if haystack[hit ..< hit + needle.count].elementsEqual(needle) { return hit }
            i = hit + 1
        }
        return nil
    }
}

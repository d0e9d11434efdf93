import Foundation

/// Why a byte sequence is not an acceptable JSON document.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case empty = "empty-file"
        case invalidJSON = "invalid-json"
        case tooDeep = "too-deep"
        case invalidUTF8 = "not-utf8"
        case nonFiniteNumber = "non-finite-number"
        /// More values (and object keys) than the parser's budget allows.
        case tooManyValues = "too-many-values"
        /// Byte offsets on the tape are 32-bit: a larger input is refused before parsing.
        case tooLarge = "too-large"
    }
    public let code: Code
    /// Byte offset of the problem.
    public let offset: Int
    /// JSON path of the value being parsed (`$.exercises[0].samples`).
    public let path: String
    public let message: String

    public var description: String { "\(code.rawValue) at \(path) (byte \(offset)): \(message)" }
}

/// A strict, iterative JSON parser producing a `JSONDocument`.
///
/// Accepts RFC 8259 JSON plus one extension: the bare token `NaN` (seen in real Polar exports), recorded as
/// `JSONKind.nan`. Nesting deeper than `maxDepth` is refused without recursion, so hostile input cannot
/// overflow the stack. Numbers that overflow a Double (`1e400`) are refused. Strings must be valid UTF-8.
///
/// Each value costs a 16-byte node on the tape, so `[0,0,0,…]` would need eight times its size in memory. The tape
/// never grows beyond `maxValues` nodes: a document with more values (object keys count) is refused as
/// `too-many-values` before the memory is spent.
public enum JSONParser {
    public static let defaultMaxDepth = 64

    /// Parses `bytes`; a leading UTF-8 byte-order mark is skipped.
    public static func parse(_ input: [UInt8], maxDepth: Int = defaultMaxDepth, maxValues: Int = .max) throws(JSONSyntaxError) -> JSONDocument {
        var bytes = input
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes.removeFirst(3)
        }
        guard bytes.count < Int(UInt32.max) else {
            throw JSONSyntaxError(code: .tooLarge, offset: 0, path: "$", message: "the parser reads at most \(UInt32.max - 1) bytes")
        }
        // A value takes at least one byte and a separator (a container its two brackets), and at most `maxDepth`
        // containers are open at once, so the tape of this input can never need more nodes than this.
        let inputBound = bytes.count / 2 + min(max(0, maxDepth), bytes.count) + 1
        var state = ParserState(maxDepth: maxDepth, maxNodes: min(max(0, maxValues), inputBound))
        // Reserved once, never grown: pages of the reservation that no node reaches are never touched (so cost no
        // memory), and no growth copies the tape.
        state.nodes.reserveCapacity(state.maxNodes)
        let result: Result<Void, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) {
                try state.run(buffer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success:
            return JSONDocument(bytes: bytes, nodes: state.nodes, containsBareNaN: state.sawNaN)
        case .failure(let error):
            throw error
        }
    }
}

private struct Frame {
    var node: Int
    var isObject: Bool
    var count: Int
    /// Index of the most recent key node (objects only), for error paths.
    var lastKey: Int
}

private struct ParserState {
    let maxDepth: Int
    /// The value budget: `nodes` never holds more.
    let maxNodes: Int
    var nodes: [JSONNode] = []
    var stack: [Frame] = []
    var sawNaN = false
    /// The input, valid for the duration of `run` (used to name keys in error paths).
    var input = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    init(maxDepth: Int, maxNodes: Int) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// Appends a node within the budget.
    @inline(__always) mutating func append(_ node: JSONNode) throws(JSONSyntaxError) {
        if nodes.count >= maxNodes { throw budgetSpent(at: Int(node.start)) }
        nodes.append(node)
    }

    @inline(never) func budgetSpent(at offset: Int) -> JSONSyntaxError {
        error(.tooManyValues, offset, "more than \(maxNodes) values and keys")
    }

    // Byte classes
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < b.count, isSpace(b[i]) { i += 1 }
        return i
    }

    mutating func run(_ b: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        input = b
        defer { input = UnsafeBufferPointer(start: nil, count: 0) }
        let n = b.count
        var i = 0
        i = ParserState.skipSpace(b, i)
        if i >= n {
            throw JSONSyntaxError(code: .empty, offset: 0, path: "$", message: "the file holds no JSON value")
        }
        // Parse values until the root is complete.
        var expectValue = true
        while true {
            if expectValue {
                i = ParserState.skipSpace(b, i)
                guard i < n else { throw error(.invalidJSON, i, "unexpected end of input, a value was expected") }
                let c = b[i]
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = c == UInt8(ascii: "{")
                    if stack.count >= maxDepth {
                        throw error(.tooDeep, i, "nesting deeper than \(maxDepth) levels")
                    }
                    try append(JSONNode(kind: isObject ? .object : .array, flags: 0, start: UInt32(i), end: 0, next: 0))
                    stack.append(Frame(node: nodes.count - 1, isObject: isObject, count: 0, lastKey: -1))
                    i += 1
                    i = ParserState.skipSpace(b, i)
                    let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    if i < n, b[i] == close {
                        i += 1
                        closeContainer(end: i)
                        expectValue = false
                    } else if isObject {
                        try parseKey(b, &i)
                        expectValue = true
                    } else {
                        expectValue = true
                    }
                    continue
                case UInt8(ascii: "\""):
                    try parseString(b, &i)
                case UInt8(ascii: "t"):
                    try literal(b, &i, "true", .true)
                case UInt8(ascii: "f"):
                    try literal(b, &i, "false", .false)
                case UInt8(ascii: "n"):
                    try literal(b, &i, "null", .null)
                case UInt8(ascii: "N"):
                    try literal(b, &i, "NaN", .nan)
                    sawNaN = true
                default:
                    if c == UInt8(ascii: "-") || ParserState.isDigit(c) {
                        try parseNumber(b, &i)
                    } else {
                        throw error(.invalidJSON, i, "unexpected character '\(printable(c))'")
                    }
                }
                expectValue = false
            }
            // After a value: a separator, a close, or the end of the document.
            if stack.isEmpty {
                i = ParserState.skipSpace(b, i)
                if i != n { throw error(.invalidJSON, i, "unexpected data after the top-level value") }
                return
            }
            stack[stack.count - 1].count += 1
            i = ParserState.skipSpace(b, i)
            guard i < n else { throw error(.invalidJSON, i, "unexpected end of input inside a container") }
            let c = b[i]
            let frame = stack[stack.count - 1]
            if c == UInt8(ascii: ",") {
                i += 1
                if frame.isObject {
                    i = ParserState.skipSpace(b, i)
                    try parseKey(b, &i)
                }
                expectValue = true
            } else if (frame.isObject && c == UInt8(ascii: "}")) || (!frame.isObject && c == UInt8(ascii: "]")) {
                i += 1
                closeContainer(end: i)
                expectValue = false
            } else {
                throw error(.invalidJSON, i, "expected ',' or '\(frame.isObject ? "}" : "]")' but found '\(printable(c))'")
            }
        }
    }

    mutating func closeContainer(end: Int) {
        let frame = stack.removeLast()
        nodes[frame.node].end = UInt32(end)
        nodes[frame.node].next = UInt32(nodes.count)
    }

    /// Parses `"key" :` inside an object.
    mutating func parseKey(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else {
            throw error(.invalidJSON, i, "expected a quoted object key")
        }
        try parseString(b, &i)
        stack[stack.count - 1].lastKey = nodes.count - 1
        while i < b.count, ParserState.isSpace(b[i]) { i += 1 }
        guard i < b.count, b[i] == UInt8(ascii: ":") else {
            throw error(.invalidJSON, i, "expected ':' after an object key")
        }
        i += 1
    }

    mutating func literal(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ word: StaticString, _ kind: JSONKind) throws(JSONSyntaxError) {
        let len = word.utf8CodeUnitCount
        guard i + len <= b.count else { throw error(.invalidJSON, i, "truncated literal") }
        for k in 0 ..< len where b[i + k] != word.utf8Start[k] {
            throw error(.invalidJSON, i, "invalid literal")
        }
        try append(JSONNode(kind: kind, flags: 0, start: UInt32(i), end: UInt32(i + len), next: UInt32(nodes.count + 1)))
        i += len
    }

    mutating func parseString(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        let start = i + 1
        var j = start
        let n = b.count
        var escaped: UInt8 = 0
        while true {
            // Plain string content eight bytes at a time, up to the first byte that needs a closer look.
            if let base = b.baseAddress {
                while j + 8 <= n {
                    let mask = ParserState.specialByteMask(UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)))
                    if mask != 0 {
                        j += mask.trailingZeroBitCount >> 3
                        break
                    }
                    j += 8
                }
            }
            guard j < n else { throw error(.invalidJSON, i, "unterminated string") }
            let c = b[j]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = 1
                guard j + 1 < n else { throw error(.invalidJSON, j, "unterminated escape") }
                let e = b[j + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    j += 2
                case UInt8(ascii: "u"):
                    guard j + 6 <= n else { throw error(.invalidJSON, j, "truncated \\u escape") }
                    for k in 2 ..< 6 where !isHex(b[j + k]) {
                        throw error(.invalidJSON, j, "invalid \\u escape")
                    }
                    j += 6
                default:
                    throw error(.invalidJSON, j, "invalid escape character")
                }
                continue
            }
            if c < 0x20 { throw error(.invalidJSON, j, "control character in a string") }
            if c < 0x80 { j += 1; continue }
            // Multi-byte UTF-8 sequence: validate.
            let len: Int
            var minScalar: UInt32
            var scalar: UInt32
            if c & 0xE0 == 0xC0 { len = 2; scalar = UInt32(c & 0x1F); minScalar = 0x80 }
            else if c & 0xF0 == 0xE0 { len = 3; scalar = UInt32(c & 0x0F); minScalar = 0x800 }
            else if c & 0xF8 == 0xF0 { len = 4; scalar = UInt32(c & 0x07); minScalar = 0x10000 }
            else { throw error(.invalidUTF8, j, "invalid UTF-8 lead byte 0x\(String(c, radix: 16))") }
            guard j + len <= n else { throw error(.invalidUTF8, j, "truncated UTF-8 sequence") }
            for k in 1 ..< len {
                let cc = b[j + k]
                guard cc & 0xC0 == 0x80 else { throw error(.invalidUTF8, j, "invalid UTF-8 continuation byte") }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800 ... 0xDFFF).contains(scalar) {
                throw error(.invalidUTF8, j, "invalid UTF-8 scalar")
            }
            minScalar = 0
            j += len
        }
        try append(JSONNode(kind: .string, flags: escaped, start: UInt32(start), end: UInt32(j), next: UInt32(nodes.count + 1)))
        i = j + 1
    }

    mutating func parseNumber(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        let start = i
        let n = b.count
        var j = i
        if b[j] == UInt8(ascii: "-") { j += 1 }
        guard j < n, ParserState.isDigit(b[j]) else {
            // "-NaN" is not accepted; neither is "-Infinity".
            throw error(.invalidJSON, start, "invalid number")
        }
        let intStart = j
        if b[j] == UInt8(ascii: "0") {
            j += 1
        } else {
            while j < n, ParserState.isDigit(b[j]) { j += 1 }
        }
        var digits = j - intStart
        var isInteger: UInt8 = 1
        var hasExponent = false
        if j < n, b[j] == UInt8(ascii: ".") {
            isInteger = 0
            j += 1
            let fracStart = j
            while j < n, ParserState.isDigit(b[j]) { j += 1 }
            guard j > fracStart else { throw error(.invalidJSON, start, "a digit must follow the decimal point") }
            digits += j - fracStart
        }
        if j < n, b[j] | 0x20 == UInt8(ascii: "e") {
            isInteger = 0
            hasExponent = true
            j += 1
            if j < n, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") { j += 1 }
            let expStart = j
            while j < n, ParserState.isDigit(b[j]) { j += 1 }
            guard j > expStart else { throw error(.invalidJSON, start, "a digit must follow the exponent") }
        }
        if j < n, ParserState.isDigit(b[j]) {
            throw error(.invalidJSON, start, "leading zeros are not allowed")
        }
        if hasExponent || digits > 300 {
            // Only these can overflow a Double; check them once here so every later read is finite.
            if !(JSONNumber.parse(b, start, j)?.isFinite ?? false) {
                throw error(.nonFiniteNumber, start, "the number does not fit a 64-bit float")
            }
        }
        try append(JSONNode(kind: .number, flags: isInteger, start: UInt32(start), end: UInt32(j), next: UInt32(nodes.count + 1)))
        i = j
    }

    /// For eight string bytes (the first in the lowest bits): the high bit of the first byte that is a quote, a
    /// backslash, a control character or not ASCII is set (higher bits may be set too); zero when all eight are
    /// plain content. The usual "has a zero byte" test: a borrow can only start at a byte that matches.
    @inline(__always) static func specialByteMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = w ^ (ones &* UInt64(UInt8(ascii: "\""))), backslash = w ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let control = (w &- ones &* 0x20) & ~w
        return (w | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | control) & (ones &* 0x80)
    }

    @inline(__always) func isHex(_ c: UInt8) -> Bool {
        ParserState.isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f"))
    }

    func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "0x" + String(c, radix: 16)
    }

    /// Builds an error whose path names the container and key or index being parsed.
    func error(_ code: JSONSyntaxError.Code, _ offset: Int, _ message: String) -> JSONSyntaxError {
        var path = "$"
        for frame in stack {
            if frame.isObject {
                if frame.lastKey >= 0, input.baseAddress != nil {
                    let key = nodes[frame.lastKey]
                    let text = String(decoding: UnsafeBufferPointer(rebasing: input[Int(key.start) ..< Int(key.end)]), as: UTF8.self)
                    path += "." + String(text.prefix(64))
                }
            } else {
                path += "[\(frame.count)]"
            }
        }
        return JSONSyntaxError(code: code, offset: offset, path: path, message: message)
    }
}

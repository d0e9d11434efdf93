import NIOCore

/// What a reply may be at most: every length or count the server sends is checked against these before anything
/// is allocated or read for it.
public struct RESPLimits: Sendable, Equatable {
    /// Longest bulk string (default 64 MiB).
    public var maxBulkBytes: Int
    /// Most elements of one array (default 1 024; polarpipe's replies are flat and short).
    public var maxArrayCount: Int
    /// Deepest nesting of arrays (default 4).
    public var maxDepth: Int
    /// Longest line of a simple string, error or integer (default 64 KiB).
    public var maxLineBytes: Int

    public init(maxBulkBytes: Int = 64 << 20, maxArrayCount: Int = 1024, maxDepth: Int = 4, maxLineBytes: Int = 64 << 10) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
        self.maxLineBytes = maxLineBytes
    }
}

/// Parses RESP2 replies. Nothing is consumed until a whole reply is there, so a reply split across reads is
/// parsed again when more bytes come; a length past a limit is refused as soon as its header line is read.
enum RESPParser {
    /// The reply starting at `index`, and the index after it; nil when the buffer holds only part of it.
    static func parse(_ buffer: ByteBuffer, at index: Int, limits: RESPLimits, depth: Int = 0) throws -> (RESPValue, Int)? {
        guard let type = buffer.getInteger(at: index, as: UInt8.self) else { return nil }
        guard let (line, next) = try self.line(buffer, at: index + 1, limit: limits.maxLineBytes) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return (.simple(String(decoding: line, as: UTF8.self)), next)
        case UInt8(ascii: "-"): return (.error(String(decoding: line, as: UTF8.self)), next)
        case UInt8(ascii: ":"): return (.integer(try integer(line)), next)
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length == -1 { return (.bulk(nil), next) }
            guard length >= 0 else { throw RESPError.protocolViolation("bulk length \(length)") }
            guard length <= Int64(limits.maxBulkBytes) else {
                throw RESPError.replyTooLarge(kind: "bulk string", size: length, limit: limits.maxBulkBytes)
            }
            let count = Int(length)
            guard buffer.writerIndex - next >= count + 2 else { return nil }
            guard buffer.getInteger(at: next + count, as: UInt16.self) == crlf else {
                throw RESPError.protocolViolation("bulk string not ended by CRLF")
            }
            return (.bulk(buffer.getBytes(at: next, length: count)), next + count + 2)
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count == -1 { return (.array(nil), next) }
            guard count >= 0 else { throw RESPError.protocolViolation("array count \(count)") }
            guard count <= Int64(limits.maxArrayCount) else {
                throw RESPError.replyTooLarge(kind: "array", size: count, limit: limits.maxArrayCount)
            }
            guard depth < limits.maxDepth else { throw RESPError.protocolViolation("arrays nested deeper than \(limits.maxDepth)") }
            var elements: [RESPValue] = []
            var cursor = next
            for _ in 0 ..< Int(count) {
                guard let (element, after) = try parse(buffer, at: cursor, limits: limits, depth: depth + 1) else { return nil }
                elements.append(element)
                cursor = after
            }
            return (.array(elements), cursor)
        default:
            throw RESPError.protocolViolation("reply type byte \(type)")
        }
    }

    private static let crlf = UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n"))

    /// The bytes from `index` to the next CRLF and the index after it; nil when no CRLF has come yet.
    private static func line(_ buffer: ByteBuffer, at index: Int, limit: Int) throws -> ([UInt8], Int)? {
        let available = buffer.writerIndex - index
        guard available > 0, let view = buffer.viewBytes(at: index, length: min(available, limit + 2)) else { return nil }
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if available >= limit + 2 { throw RESPError.protocolViolation("a line longer than \(limit) bytes") }
            return nil
        }
        let end = cr + 1
        guard end < view.endIndex else { return nil }
        guard view[end] == UInt8(ascii: "\n") else { throw RESPError.protocolViolation("CR without LF") }
        return (Array(view[view.startIndex ..< cr]), end + 1 - view.startIndex + index)
    }

    /// A decimal integer of at most 19 digits with an optional minus sign, overflow-checked digit by digit.
    static func integer(_ bytes: [UInt8]) throws -> Int64 {
        let negative = bytes.first == UInt8(ascii: "-")
        let digits = negative ? bytes.dropFirst() : bytes[...]
        guard !digits.isEmpty, digits.count <= 19 else { throw RESPError.protocolViolation("integer of \(bytes.count) bytes") }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw RESPError.protocolViolation("not an integer") }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw RESPError.protocolViolation("integer out of range") }
            value = sum
        }
        return negative ? -value : value
    }
}

/// The channel's decoder: one `RESPValue` per complete reply.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue
    let limits: RESPLimits

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let (value, next) = try RESPParser.parse(buffer, at: buffer.readerIndex, limits: limits) else { return .needMoreData }
        buffer.moveReaderIndex(to: next)
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

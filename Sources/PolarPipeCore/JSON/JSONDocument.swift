/// A parsed JSON document kept as a flat "tape" of nodes over the original bytes.
///
/// Parsing makes one pass and one allocation for the node array; no value is materialised until a decoder asks
/// for it. Strings and numbers are decoded lazily from their byte ranges, so a decoder that only needs a few
/// fields of a 2 MB session pays for those fields, and the sample arrays are read by tight loops over the tape.
///
/// Container nodes store the index of the node that follows their last descendant (`next`), which makes skipping
/// a value O(1) and iteration allocation-free.
public final class JSONDocument: @unchecked Sendable {
    /// The document's bytes (UTF-8, without a byte-order mark).
    public let bytes: [UInt8]
    let nodes: [JSONNode]
    /// True when the document used the bare `NaN` token (not JSON, but written by some Polar exporters).
    public let containsBareNaN: Bool

    init(bytes: [UInt8], nodes: [JSONNode], containsBareNaN: Bool) {
        self.bytes = bytes
        self.nodes = nodes
        self.containsBareNaN = containsBareNaN
    }

    /// The top-level value.
    public var root: JSONValue { JSONValue(document: self, index: 0) }

    /// Number of nodes on the tape (values and object keys).
    public var nodeCount: Int { nodes.count }
}

/// The kind of a JSON value.
public enum JSONKind: UInt8, Sendable {
    case object, array, string, number, `true`, `false`, null
    /// The bare `NaN` token, accepted as an extension because real Polar exports contain it.
    case nan
}

struct JSONNode {
    var kind: JSONKind
    /// For strings: 1 when the string contains escapes. For numbers: 1 when it is a plain integer.
    var flags: UInt8
    /// Byte range of the value; for strings, without the quotes.
    var start: UInt32
    var end: UInt32
    /// Index of the node after this value and all its descendants.
    var next: UInt32
}

/// A reference to one value inside a `JSONDocument`.
public struct JSONValue: @unchecked Sendable {
    public let document: JSONDocument
    let index: Int

    @inline(__always) var node: JSONNode { document.nodes[index] }

    public var kind: JSONKind { node.kind }
    public var isNull: Bool { node.kind == .null }
    public var isObject: Bool { node.kind == .object }
    public var isArray: Bool { node.kind == .array }

    /// The byte range of this value in the document (strings include their quotes).
    public var byteRange: Range<Int> {
        let n = node
        if n.kind == .string { return Int(n.start) - 1 ..< Int(n.end) + 1 }
        return Int(n.start) ..< Int(n.end)
    }

    // MARK: Scalars

    /// The string value, or nil when this is not a string.
    public var string: String? {
        let n = node
        guard n.kind == .string else { return nil }
        if n.flags == 0 {
            return String(decoding: document.bytes[Int(n.start) ..< Int(n.end)], as: UTF8.self)
        }
        return JSONStringUnescaper.unescape(document.bytes, Int(n.start) ..< Int(n.end))
    }

    /// The numeric value; nil for non-numbers. The bare `NaN` token yields `.nan`.
    public var double: Double? {
        let n = node
        switch n.kind {
        case .number:
            return document.bytes.withUnsafeBufferPointer { JSONNumber.parse($0, Int(n.start), Int(n.end)) }
        case .nan:
            return .nan
        default:
            return nil
        }
    }

    /// The value as an integer when it is a number without a fraction (`53` or `53.0`).
    public var int: Int? {
        guard let d = double, d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// True when this string node's bytes equal `literal` (no unescaping; for keys and enum values).
    @inline(__always)
    func stringEquals(_ literal: StaticString) -> Bool {
        let n = node
        guard n.kind == .string, n.flags == 0 else { return false }
        let count = Int(n.end - n.start)
        guard count == literal.utf8CodeUnitCount else { return false }
        return document.bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            let base = literal.utf8Start
            while i < count {
                if buffer[Int(n.start) + i] != base[i] { return false }
                i += 1
            }
            return true
        }
    }

    // MARK: Containers

    /// The value of `key` in this object; nil when absent or when this is not an object.
    public subscript(key: StaticString) -> JSONValue? {
        guard node.kind == .object else { return nil }
        var i = index + 1
        let end = Int(node.next)
        let nodes = document.nodes
        while i < end {
            let keyValue = JSONValue(document: document, index: i)
            let valueIndex = i + 1
            if keyValue.stringEquals(key) { return JSONValue(document: document, index: valueIndex) }
            i = Int(nodes[valueIndex].next)
        }
        return nil
    }

    /// The members of an object in document order (empty for other kinds).
    public var members: JSONMembers { JSONMembers(value: self) }

    /// The elements of an array in document order (empty for other kinds).
    public var elements: JSONElements { JSONElements(value: self) }

    /// Number of elements of an array or members of an object.
    public var count: Int {
        switch node.kind {
        case .array: return elements.reduce(0) { n, _ in n + 1 }
        case .object: return members.reduce(0) { n, _ in n + 1 }
        default: return 0
        }
    }
}

public struct JSONMembers: Sequence {
    let value: JSONValue
    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var i: Int
        let end: Int
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard i < end else { return nil }
            let key = JSONValue(document: document, index: i).string ?? ""
            let value = JSONValue(document: document, index: i + 1)
            i = Int(document.nodes[i + 1].next)
            return (key, value)
        }
    }
    public func makeIterator() -> Iterator {
        let n = value.node
        let end = n.kind == .object ? Int(n.next) : value.index + 1
        return Iterator(document: value.document, i: value.index + 1, end: end)
    }
}

public struct JSONElements: Sequence {
    let value: JSONValue
    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var i: Int
        let end: Int
        public mutating func next() -> JSONValue? {
            guard i < end else { return nil }
            let v = JSONValue(document: document, index: i)
            i = Int(document.nodes[i].next)
            return v
        }
    }
    public func makeIterator() -> Iterator {
        let n = value.node
        let end = n.kind == .array ? Int(n.next) : value.index + 1
        return Iterator(document: value.document, i: value.index + 1, end: end)
    }
}

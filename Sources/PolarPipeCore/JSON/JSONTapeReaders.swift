/// Allocation-free loops over arrays of small objects, for sample arrays such as
/// `[{"dateTime": "…", "value": 89}, …]`. They read the tape directly instead of going through `JSONValue`.
extension JSONDocument {
    /// Node indices of up to four named members of one array element; -1 where a member is absent.
    struct FieldSlots {
        var f0 = -1, f1 = -1, f2 = -1, f3 = -1
        subscript(_ k: Int) -> Int {
            switch k {
            case 0: return f0
            case 1: return f1
            case 2: return f2
            default: return f3
            }
        }
    }

    /// Calls `body` once per element of the array at `arrayIndex`, with the node indices of the members named
    /// in `keys` (at most four). Elements that are not objects get all slots -1 and `isObject` false.
    @inline(__always)
    func forEachObjectElement(
        array arrayIndex: Int,
        keys: [StaticString],
        _ body: (_ bytes: UnsafeBufferPointer<UInt8>, _ nodes: UnsafeBufferPointer<JSONNode>, _ isObject: Bool, _ slots: FieldSlots) -> Void
    ) {
        let keyBytes: [[UInt8]] = keys.map { k in Array(UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount)) }
        bytes.withUnsafeBufferPointer { b in
            nodes.withUnsafeBufferPointer { n in
                let array = n[arrayIndex]
                guard array.kind == .array else { return }
                var e = arrayIndex + 1
                let end = Int(array.next)
                while e < end {
                    let element = n[e]
                    var slots = FieldSlots()
                    if element.kind == .object {
                        var m = e + 1
                        let memberEnd = Int(element.next)
                        while m < memberEnd {
                            let key = n[m]
                            let length = Int(key.end - key.start)
                            for (k, wanted) in keyBytes.enumerated() where wanted.count == length && key.flags == 0 {
                                var equal = true
                                var q = 0
                                while q < length {
                                    if b[Int(key.start) + q] != wanted[q] { equal = false; break }
                                    q += 1
                                }
                                if equal {
                                    switch k {
                                    case 0: slots.f0 = m + 1
                                    case 1: slots.f1 = m + 1
                                    case 2: slots.f2 = m + 1
                                    default: slots.f3 = m + 1
                                    }
                                    break
                                }
                            }
                            m = Int(n[m + 1].next)
                        }
                        body(b, n, true, slots)
                    } else {
                        body(b, n, false, slots)
                    }
                    e = Int(element.next)
                }
            }
        }
    }
}

/// Readers of single tape nodes inside the loops above.
enum TapeRead {
    /// The number at `index`, or nil when the node is not a number (the bare NaN token reads as nil: missing).
    @inline(__always)
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<JSONNode>, _ index: Int) -> Double? {
        guard index >= 0 else { return nil }
        let node = n[index]
        guard node.kind == .number else { return nil }
        return JSONNumber.parse(b, Int(node.start), Int(node.end))
    }

    /// The local timestamp string at `index` as local epoch milliseconds.
    @inline(__always)
    static func localMillis(_ b: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<JSONNode>, _ index: Int) -> Int64? {
        guard index >= 0 else { return nil }
        let node = n[index]
        guard node.kind == .string else { return nil }
        return PolarTime.localMillis(b, Int(node.start), Int(node.end))
    }
}

extension JSONDocument {
    /// Reads an array of numbers where a missing value is `null`, the bare `NaN` token or the string `"NaN"`
    /// (new-layout channel arrays). Value `i` gets time `i × interval` seconds. Returns the number of elements
    /// that were neither numbers nor missing markers.
    func readChannel(array arrayIndex: Int, intervalSeconds: Double, into series: inout SampleSeries) -> Int {
        var malformed = 0
        bytes.withUnsafeBufferPointer { b in
            nodes.withUnsafeBufferPointer { n in
                let array = n[arrayIndex]
                guard array.kind == .array else { return }
                var e = arrayIndex + 1
                var i = 0
                let end = Int(array.next)
                while e < end {
                    let node = n[e]
                    switch node.kind {
                    case .number:
                        if let v = JSONNumber.parse(b, Int(node.start), Int(node.end)) {
                            series.append(Double(i) * intervalSeconds, v)
                        } else {
                            malformed += 1
                        }
                    case .null, .nan:
                        break
                    case .string:
                        // "NaN" (quoted) is a missing value; any other string is not a sample.
                        let isNaN = node.end - node.start == 3 && b[Int(node.start)] == UInt8(ascii: "N")
                            && b[Int(node.start) + 1] == UInt8(ascii: "a") && b[Int(node.start) + 2] == UInt8(ascii: "N")
                        if !isNaN { malformed += 1 }
                    default:
                        malformed += 1
                    }
                    e = Int(node.next)
                    i += 1
                }
            }
        }
        return malformed
    }
}

/// Reads AccessLink's comma-separated sample strings (`"97,96,,null,95"`) without splitting into substrings.
enum DelimitedSamples {
    /// Appends value `i` at time `i × interval`; empty and `null` entries are missing. Returns malformed entries.
    static func read(_ text: String, intervalSeconds: Double, into series: inout SampleSeries) -> Int {
        var text = text
        var malformed = 0
        text.withUTF8 { b in
            var i = 0
            var start = 0
            var k = 0
            let count = b.count
            while k <= count {
                if k == count || b[k] == UInt8(ascii: ",") {
                    var s = start
                    var e = k
                    while s < e, b[s] == UInt8(ascii: " ") { s += 1 }
                    while e > s, b[e - 1] == UInt8(ascii: " ") { e -= 1 }
                    if e > s {
                        let isNull = e - s == 4 && b[s] == UInt8(ascii: "n") && b[s + 1] == UInt8(ascii: "u")
                            && b[s + 2] == UInt8(ascii: "l") && b[s + 3] == UInt8(ascii: "l")
                        let isNaN = e - s == 3 && b[s] == UInt8(ascii: "N") && b[s + 1] == UInt8(ascii: "a") && b[s + 2] == UInt8(ascii: "N")
                        if !isNull && !isNaN {
                            if let v = JSONNumber.parse(b, s, e), v.isFinite {
                                series.append(Double(i) * intervalSeconds, v)
                            } else {
                                malformed += 1
                            }
                        }
                    }
                    i += 1
                    start = k + 1
                }
                k += 1
            }
        }
        return malformed
    }
}

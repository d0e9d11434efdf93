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

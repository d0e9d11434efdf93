/// Builds JSON text from a document with some values replaced, by splicing byte ranges. Used to keep an
/// exercise's raw JSON without its bulky sample arrays.
struct RawJSONSplicer {
    let bytes: [UInt8]

    /// The bytes of `range` with each of `replacements` (sorted, non-overlapping, inside `range`) substituted.
    func text(of range: Range<Int>, replacing replacements: [(Range<Int>, String)]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var cursor = range.lowerBound
        for (r, text) in replacements.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) {
            guard r.lowerBound >= cursor, r.upperBound <= range.upperBound else { continue }
            out.append(contentsOf: bytes[cursor ..< r.lowerBound])
            out.append(contentsOf: Array(text.utf8))
            cursor = r.upperBound
        }
        out.append(contentsOf: bytes[cursor ..< range.upperBound])
        return String(decoding: out, as: UTF8.self)
    }
}

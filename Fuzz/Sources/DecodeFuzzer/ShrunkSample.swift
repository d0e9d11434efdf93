import Foundation
import PolarPipeCore

/// A real file cut down to a few kilobytes with its structure kept: every array keeps its first elements and every
/// comma-separated sample string (AccessLink) its first entries. Small seeds of real layouts let the fuzzer run
/// many more inputs a second than the full files (up to 1 MB each) allow.
enum ShrunkSample {
    static func text(of bytes: [UInt8], keep: Int) -> String? {
        guard let document = try? JSONParser.parse(bytes) else { return nil }
        var out = ""
        append(document.root, keep: keep, to: &out)
        return out
    }

    static func append(_ value: JSONValue, keep: Int, to out: inout String) {
        switch value.kind {
        case .array:
            out += "["
            for (i, element) in value.elements.prefix(keep).enumerated() {
                if i > 0 { out += "," }
                append(element, keep: keep, to: &out)
            }
            out += "]"
        case .object:
            out += "{"
            for (i, member) in value.members.enumerated() {
                if i > 0 { out += "," }
                out += quoted(member.key) + ":"
                append(member.value, keep: keep, to: &out)
            }
            out += "}"
        case .string:
            let text = value.string ?? ""
            let entries = text.split(separator: ",", omittingEmptySubsequences: false)
            out += quoted(entries.count > keep ? entries.prefix(keep).joined(separator: ",") : text)
        default:
            out += String(decoding: value.document.bytes[value.byteRange], as: UTF8.self)
        }
    }

    /// The string as a JSON string literal.
    static func quoted(_ s: String) -> String {
        (try? JSONEncoder().encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

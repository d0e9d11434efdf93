import Foundation

/// The small JSON kept as an exercise's `raw` for formats that are not JSON themselves (the header and summary
/// values of a TCX, GPX or CSV file), with sorted keys so the same file gives the same text.
enum RawSummary {
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

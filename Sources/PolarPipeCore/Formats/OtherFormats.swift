/// Training files of formats polarpipe does not read yet — TCX, GPX, FIT and Polar Flow's per-session CSV — named by
/// their content so that a refusal says what the file is (`unsupported-format`, "tcx: …") instead of `invalid-json`.
public enum OtherFormats {
    /// The format's short name (`tcx`, `gpx`, `fit`, `csv`), or nil when the bytes look like none of them.
    public static func detect(_ bytes: [UInt8]) -> String? {
        // FIT: a 12- or 14-byte header whose bytes 8–11 are ".FIT".
        if bytes.count >= 12, bytes[0] == 12 || bytes[0] == 14, Array(bytes[8 ..< 12]) == Array(".FIT".utf8) { return "fit" }
        // Only the start is looked at: the first 4 KiB, after a UTF-8 byte-order mark and white space.
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count, start < 4096, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        let head = String(decoding: bytes[start ..< min(bytes.count, start + 4096)], as: UTF8.self)
        if head.hasPrefix("<") {
            if head.contains("<TrainingCenterDatabase") { return "tcx" }
            if head.contains("<gpx") { return "gpx" }
            return nil
        }
        // Polar Flow's CSV export opens with a header line naming the session's fields.
        if head.hasPrefix("Name,Sport,Date") { return "csv" }
        return nil
    }

    /// The refusal of a file of `format`.
    static func refusal(_ format: String) -> Diagnostic {
        .error("unsupported-format", "\(format): a \(format.uppercased()) file; polarpipe reads Polar JSON (export and AccessLink) only")
    }
}

/// Training files other than Polar JSON — FIT, TCX, GPX and Polar Flow's per-session CSV — recognised by their content
/// (never only by the name) and handed to their decoder.
public enum OtherFormats {
    /// The file's format, or nil when the bytes look like none of them (they are then read as Polar JSON).
    public static func detect(_ bytes: [UInt8]) -> PolarLayout? {
        // FIT: a 12- or 14-byte header whose bytes 8–11 are ".FIT".
        if bytes.count >= 12, bytes[0] == 12 || bytes[0] == 14, Array(bytes[8 ..< 12]) == Array(".FIT".utf8) { return .fit }
        // XML: the root element's name, after the declaration, comments and processing instructions.
        if let prolog = XMLProlog.scan(bytes) {
            switch prolog.rootLocalName {
            case "TrainingCenterDatabase": return .tcx
            case "gpx": return .gpx
            default: return nil
            }
        }
        // Polar Flow's CSV export opens with a header line naming the session's fields.
        let csvHeader = Array("Name,Sport,Date,Start time,".utf8)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if bytes.count - start >= csvHeader.count, Array(bytes[start ..< start + csvHeader.count]) == csvHeader { return .polarCSV }
        return nil
    }

    /// Decodes a file of `format` (one `detect` returned); problems go to `reader`.
    static func decode(_ format: PolarLayout, _ bytes: [UInt8], limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        switch format {
        case .fit: return FITDecoder.decode(bytes, reader: &reader)
        case .tcx: return TCXDecoder.decode(bytes, limits: limits, reader: &reader)
        case .gpx: return GPXDecoder.decode(bytes, limits: limits, reader: &reader)
        case .polarCSV: return PolarCSVDecoder.decode(bytes, limits: limits, reader: &reader)
        case .flowExportOld, .flowExportNew, .accessLink: return nil
        }
    }

    /// The refusal of a file of a format that has no decoder.
    static func refuse(_ name: String, _ reader: inout FieldReader) -> TrainingSession? {
        reader.error("unsupported-format", "", "\(name): a \(name.uppercased()) file; polarpipe does not read this format yet")
        return nil
    }
}

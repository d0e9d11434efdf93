/// Limits applied to every input file (SPEC §3).
public struct InputLimits: Sendable, Equatable {
    /// `limits.max_file_bytes`, default 256 MiB.
    public var maxFileBytes: Int = 256 << 20
    /// Maximum JSON nesting depth, default 64.
    public var maxJSONDepth: Int = 64
    /// `limits.max_zip_bytes`: total uncompressed size of an archive, default 4 GiB.
    public var maxZipBytes: Int = 4 << 30
    /// Highest accepted compression ratio of an archive, default 200:1.
    public var maxZipRatio: Double = 200
    /// Longest accepted exercise, default 7 days.
    public var maxDurationSeconds: Double = 7 * 86_400
    public init() {}

    /// Most JSON values (object keys included) a file may hold: one per 16 bytes of `maxFileBytes` (16 777 280 at
    /// the default), so that the parsed tape (16 bytes a value) never needs more memory than the size limit. Real
    /// exports hold one value per 19–85 bytes; `[0,0,0,…]` holds one per 2 and is refused as `too-many-values`.
    public var maxJSONValues: Int { maxFileBytes / 16 + 64 }
}

/// The outcome of decoding one file: a session when the file is acceptable, and every diagnostic found.
public struct DecodeOutcome: Sendable {
    public var session: TrainingSession?
    public var diagnostics: [Diagnostic]
    /// The first error, which names the reason a file is quarantined.
    public var firstError: Diagnostic? { diagnostics.first { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// Entry point of decoding: bytes → format (FIT, TCX, GPX, Polar CSV or Polar JSON and its layout) → `TrainingSession` →
/// validation rules.
public enum SessionDecoder {
    /// Decodes and validates one file's bytes. Never throws: every problem is a diagnostic. A gzip file (Strava's
    /// `*.gpx.gz`) is inflated in memory first, within the size and ratio limits (`Gzip`).
    public static func decode(_ bytes: [UInt8], limits: InputLimits = InputLimits()) -> DecodeOutcome {
        if bytes.count > limits.maxFileBytes {
            return DecodeOutcome(session: nil, diagnostics: [.error("too-large", "the file has \(bytes.count) bytes; the limit is \(limits.maxFileBytes)")])
        }
        guard Gzip.hasMagic(bytes) else { return decodeInflated(bytes, limits: limits) }
        do {
            return decodeInflated(try Gzip.inflate(bytes, limits: limits), limits: limits)
        } catch {
            return DecodeOutcome(session: nil, diagnostics: [.error(error.code, "gzip: " + error.message)])
        }
    }

    /// `decode` of bytes that are not (or no longer) gzip-compressed.
    private static func decodeInflated(_ bytes: [UInt8], limits: InputLimits) -> DecodeOutcome {
        var reader = FieldReader()
        let session: TrainingSession?
        if let format = OtherFormats.detect(bytes) {
            session = OtherFormats.decode(format, bytes, limits: limits, reader: &reader)
        } else {
            session = decodeJSON(bytes, limits: limits, reader: &reader)
        }
        var diagnostics = reader.diagnostics
        if let session, !reader.hasErrors {
            diagnostics += ValidationRules.check(session, limits: limits)
        }
        let ok = !diagnostics.contains { $0.severity == .error }
        var result = ok ? session : nil
        result?.warnings = diagnostics.filter { $0.severity == .warning }
        return DecodeOutcome(session: result, diagnostics: diagnostics)
    }

    /// The Polar JSON layouts: bytes → JSON → layout → session. A file that is no Polar JSON session at all gets its
    /// one reason recorded in `reader` and no session.
    private static func decodeJSON(_ bytes: [UInt8], limits: InputLimits, reader: inout FieldReader) -> TrainingSession? {
        func refuse(_ reason: Diagnostic) -> TrainingSession? {
            reader.diagnostics.append(reason)
            return nil
        }
        if let encoding = ByteOrderMark.nonUTF8(bytes) {
            return refuse(.error("not-utf8", "the file is \(encoding), not UTF-8"))
        }
        let document: JSONDocument
        do {
            document = try JSONParser.parse(bytes, maxDepth: limits.maxJSONDepth, maxValues: limits.maxJSONValues)
        } catch {
            return refuse(.error(error.code.rawValue, path: error.path, error.message + " (byte \(error.offset))"))
        }
        let root = document.root
        guard root.isObject else {
            return refuse(.error("wrong-type", "the top-level value is \(root.kind), not an object"))
        }
        switch LayoutDetector.detect(root) {
        case .some(.flowExportOld): return OldLayoutDecoder.decode(root, reader: &reader)
        case .some(.flowExportNew): return NewLayoutDecoder.decode(root, reader: &reader)
        case .some(.accessLink): return AccessLinkDecoder.decode(root, reader: &reader)
        default:
            return refuse(.error("unknown-layout", "not a Polar training session: no known layout matches its keys"))
        }
    }
}

/// Picks the layout of a file from its top-level keys (POLAR_FORMATS.md §6).
public enum LayoutDetector {
    public static func detect(_ root: JSONValue) -> PolarLayout? {
        if root["exportVersion"] != nil, root["exercises"] != nil { return .flowExportOld }
        if root["durationMillis"] != nil, root["exercises"] != nil || root["identifier"] != nil { return .flowExportNew }
        let accessLinkKeys: [StaticString] = ["upload_time", "upload-time", "start_time", "start-time", "polar_user", "polar-user"]
        if root["duration"] != nil, accessLinkKeys.contains(where: { root[$0] != nil }) { return .accessLink }
        return nil
    }
}

/// Recognises UTF-16/UTF-32 byte-order marks and UTF-16 text without one.
enum ByteOrderMark {
    static func nonUTF8(_ b: [UInt8]) -> String? {
        if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0xFE, b[3] == 0xFF { return "UTF-32" }
        if b.count >= 4, b[0] == 0xFF, b[1] == 0xFE, b[2] == 0, b[3] == 0 { return "UTF-32" }
        if b.count >= 2, (b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) { return "UTF-16" }
        if b.count >= 2, (b[0] == 0 && b[1] != 0) || (b[0] != 0 && b[1] == 0) { return "UTF-16" }
        return nil
    }
}

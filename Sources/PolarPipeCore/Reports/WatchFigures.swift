/// What the watch (or the app that exported the file) computed for an exercise itself, read from the file's stored
/// summary (`RecordedSummary`): ascent and descent, heart rate, and the figures polarpipe has no counterpart for —
/// Polar's cardio load, muscle load and perceived load, and the running index.
///
/// Polar writes the loads as `loadInformation` (Flow export, old layout), `trainingLoadReport` (new layout) or
/// `training_load_pro` / `training-load-pro` (AccessLink, kebab-case keys inside), on the exercise or the session; the
/// exercise's own value wins. "Not available" is written as −1 or 0 (or left out), so only positive values count;
/// values beyond what a session can have are dropped.
public struct WatchFigures: Sendable, Equatable {
    public var ascentM: Double?
    public var descentM: Double?
    public var hrAvg: Double?
    public var hrMax: Double?
    public var cardioLoad: Double?
    /// Polar's words for the cardio load, such as "very low" (nil when "not available").
    public var cardioLoadInterpretation: String?
    public var muscleLoad: Double?
    public var perceivedLoad: Double?
    public var runningIndex: Double?

    public init() {}

    /// Raw summaries larger than this are not parsed (Polar's are a few kilobytes once the samples are removed).
    static let maxRawBytes = 1 << 20

    public init(_ recorded: RecordedSummary?) {
        guard let recorded else { return }
        ascentM = recorded.ascentM.flatMap { Self.within($0, 0 ... 100_000) }
        descentM = recorded.descentM.flatMap { Self.within($0, 0 ... 100_000) }
        hrAvg = recorded.reportedHR?.avg.flatMap { Self.within($0, 30 ... 250) }
        hrMax = recorded.reportedHR?.max.flatMap { Self.within($0, 30 ... 250) }
        let bytes = Array(recorded.raw.utf8)
        guard bytes.count <= Self.maxRawBytes, let document = try? JSONParser.parse(bytes, maxDepth: 32, maxValues: 200_000) else { return }
        let root = document.root
        // The exercise first (a Polar export keeps the one exercise in `exercises`), then the session.
        let places = [root["exercises"]?.elements.first(where: { _ in true }), root].compactMap { $0 }.filter(\.isObject)
        for place in places {
            for load in [place["loadInformation"], place["trainingLoadReport"]].compactMap({ $0 }) {
                cardioLoad = cardioLoad ?? Self.positive(load["cardioLoad"], upTo: 10_000)
                muscleLoad = muscleLoad ?? Self.positive(load["muscleLoad"], upTo: 100_000)
                perceivedLoad = perceivedLoad ?? Self.positive(load["perceivedLoad"], upTo: 10_000)
                cardioLoadInterpretation = cardioLoadInterpretation ?? Self.words(load["cardioLoadInterpretation"])
            }
            for load in [place["training_load_pro"], place["training-load-pro"]].compactMap({ $0 }) {
                cardioLoad = cardioLoad ?? Self.positive(load["cardio-load"], upTo: 10_000)
                muscleLoad = muscleLoad ?? Self.positive(load["muscle-load"], upTo: 100_000)
                perceivedLoad = perceivedLoad ?? Self.positive(load["perceived-load"], upTo: 10_000)
                cardioLoadInterpretation = cardioLoadInterpretation ?? Self.words(load["cardio-load-interpretation"])
            }
            runningIndex = runningIndex ?? Self.positive(place["runningIndex"] ?? place["running_index"] ?? place["running-index"], upTo: 150)
        }
    }

    /// Whether the file said anything polarpipe shows beside its own numbers.
    public var isEmpty: Bool { self == WatchFigures() }

    static func within(_ v: Double, _ range: ClosedRange<Double>) -> Double? { v.isFinite && range.contains(v) ? v : nil }

    static func positive(_ value: JSONValue?, upTo limit: Double) -> Double? {
        guard let v = value?.double, v.isFinite, v > 0, v <= limit else { return nil }
        return v
    }

    /// `VERY_LOW` or `LOAD_INTERPRETATION_VERY_LOW` → "very low"; nil for "not available" and anything odd.
    static func words(_ value: JSONValue?) -> String? {
        guard var s = value?.string, s.utf8.count <= 64 else { return nil }
        if s.hasPrefix("LOAD_INTERPRETATION_") { s.removeFirst("LOAD_INTERPRETATION_".count) }
        guard !s.isEmpty, s != "NOT_AVAILABLE", s != "UNKNOWN", s.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        return s.lowercased().replacingOccurrences(of: "_", with: " ")
    }
}

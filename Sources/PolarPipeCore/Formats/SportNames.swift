import Foundation

/// Normalisation of sport and sex values to Polar's enum names.
public enum SportNames {
    /// New-layout numeric sport ids (POLAR_FORMATS.md §1.6). Unknown ids become `SPORT_<id>`.
    public static let byID: [String: String] = [
        "1": "RUNNING", "2": "CYCLING", "3": "WALKING", "11": "HIKING", "13": "SQUASH", "15": "STRENGTH_TRAINING",
        "16": "OTHER_OUTDOOR", "17": "TREADMILL_RUNNING", "18": "INDOOR_CYCLING", "38": "ROAD_CYCLING", "39": "FOOTBALL",
        "50": "FUTSAL", "82": "MULTISPORT", "83": "OTHER_INDOOR",
    ]

    public static func name(forID id: String) -> String { byID[id] ?? "SPORT_\(id)" }

    /// `"Running"`, `"running"`, `"TREADMILL_RUNNING"` → `RUNNING` / `TREADMILL_RUNNING`.
    public static func normalise(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return "UNKNOWN" }
        return String(trimmed.uppercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// `MALE`, `SEX_MALE`, `male` → `MALE`; likewise `FEMALE`; anything else is kept upper-cased.
    public static func normaliseSex(_ raw: String) -> String {
        let upper = raw.uppercased()
        return upper.hasPrefix("SEX_") ? String(upper.dropFirst(4)) : upper
    }
}

/// How a sport's speed is best read: pace (min/km) on foot, km/h on wheels, neither for the rest.
public enum SportKind: Sendable, Equatable {
    case onFoot, cycling, other

    /// The kind of a normalised sport name: running, walking, hiking and their variants are on foot; cycling,
    /// biking and their variants are cycling.
    public init(sport: String) {
        let upper = sport.uppercased()
        if ["CYCLING", "BIKING", "BIKE"].contains(where: upper.contains) {
            self = .cycling
        } else if ["RUNNING", "WALKING", "HIKING", "JOGGING", "ORIENTEERING"].contains(where: upper.contains) {
            self = .onFoot
        } else {
            self = .other
        }
    }
}

extension SportNames {
    /// A sport name as words for pages: `TABLE_TENNIS` → "Table tennis", `SPORT_123` → "Sport 123".
    public static func displayName(_ sport: String) -> String {
        let words = sport.split(whereSeparator: { $0 == "_" || $0 == " " }).map { $0.lowercased() }
        guard let first = words.first else { return "Unknown" }
        return ([first.prefix(1).uppercased() + first.dropFirst()] + words.dropFirst()).joined(separator: " ")
    }
}

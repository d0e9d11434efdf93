import Foundation

/// Normalisation of sport and sex values to Polar's enum names.
public enum SportNames {
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

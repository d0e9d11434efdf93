import Foundation

/// Every exercise names a sport.
public struct SportRule: ValidationRule {
    public init() {}
    public func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic] {
        session.exercises.enumerated().compactMap { i, e in
            e.sportRaw.trimmingCharacters(in: .whitespaces).isEmpty
                ? .error("missing-field", path: "$.exercises[\(i)].sport", "the sport is empty") : nil
        }
    }
}

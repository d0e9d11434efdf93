import Foundation

/// A check of a decoded session that returns diagnostics instead of throwing.
public protocol ValidationRule: Sendable {
    func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic]
}

/// The rules every session passes before it is loaded (SPEC §3).
public enum ValidationRules {
    public static let all: [any ValidationRule] = [DurationRule(), StopAfterStartRule(), SportRule()]

    public static func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic] {
        all.flatMap { $0.check(session, limits: limits) }
    }
}

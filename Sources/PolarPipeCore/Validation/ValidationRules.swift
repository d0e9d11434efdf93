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

/// Each exercise lasts more than 0 s and at most `limits.maxDurationSeconds` (7 days).
public struct DurationRule: ValidationRule {
    public init() {}
    public func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic] {
        session.exercises.enumerated().compactMap { i, e in
            let path = "$.exercises[\(i)].duration"
            if !(e.durationS > 0) { return .error("bad-duration", path: path, "duration must be positive, is \(e.durationS) s") }
            if e.durationS > limits.maxDurationSeconds {
                return .error("bad-duration", path: path, "duration of \(e.durationS) s exceeds the limit of \(limits.maxDurationSeconds) s")
            }
            return nil
        }
    }
}

/// An exercise's stop time is not before its start time.
public struct StopAfterStartRule: ValidationRule {
    public init() {}
    public func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic] {
        session.exercises.enumerated().compactMap { i, e in
            guard let stop = e.stopLocalMillis, stop < e.startLocalMillis else { return nil }
            return .error("stop-before-start", path: "$.exercises[\(i)].stopTime", "the exercise stops before it starts")
        }
    }
}

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

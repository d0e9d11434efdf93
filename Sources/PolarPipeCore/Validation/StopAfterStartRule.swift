import Foundation

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

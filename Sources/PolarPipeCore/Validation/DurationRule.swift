import Foundation

/// Each exercise lasts more than 0 s and at most `limits.maxDurationSeconds` (7 days); one whose file gives no times
/// (`Exercise.untimed`) lasts 0 s.
public struct DurationRule: ValidationRule {
    public init() {}
    public func check(_ session: TrainingSession, limits: InputLimits) -> [Diagnostic] {
        session.exercises.enumerated().compactMap { i, e in
            let path = "$.exercises[\(i)].duration"
            if e.untimed, e.durationS == 0 { return nil }
            if !(e.durationS > 0) { return .error("bad-duration", path: path, "duration must be positive, is \(e.durationS) s") }
            if e.durationS > limits.maxDurationSeconds {
                return .error("bad-duration", path: path, "duration of \(e.durationS) s exceeds the limit of \(limits.maxDurationSeconds) s")
            }
            return nil
        }
    }
}

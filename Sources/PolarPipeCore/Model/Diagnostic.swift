/// A problem found in input: bad input is data, not an exception. The caller decides what to do with it
/// (quarantine the file for an `.error`, record a warning, reject a sample).
public struct Diagnostic: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error, warning
    }
    public var severity: Severity
    /// Stable machine-readable reason (`invalid-json`, `missing-field`, `bad-duration`, …), used in
    /// quarantine sidecars.
    public var code: String
    /// JSON path of the offending value (`$.exercises[0].duration`), or `$` for the whole file.
    public var path: String
    public var message: String

    public init(_ severity: Severity, _ code: String, path: String = "$", _ message: String) {
        self.severity = severity
        self.code = code
        self.path = path
        self.message = message
    }

    public static func error(_ code: String, path: String = "$", _ message: String) -> Diagnostic {
        Diagnostic(.error, code, path: path, message)
    }

    public static func warning(_ code: String, path: String = "$", _ message: String) -> Diagnostic {
        Diagnostic(.warning, code, path: path, message)
    }

    public var description: String { "\(severity.rawValue) \(code) at \(path): \(message)" }
}

/// A setting that must never be shown: a client secret, an encryption key. Printing, interpolating or dumping it
/// (a configuration in a log line or an error) shows `<hidden>`; only `value` gives the text.
public struct SecretText: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<hidden>" }
    public var debugDescription: String { "<hidden>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

import Foundation

/// `service.cache` / `serve --cache`: where `polarpipe serve` keeps rendered pages and statistics responses.
/// `memory` (the default) is an in-process LRU, `off` renders every request, `redis://host[:port]` is a Redis
/// server shared by every service that points at it.
public enum CacheSetting: Sendable, Equatable, CustomStringConvertible {
    case memory
    case off
    case redis(host: String, port: Int)

    /// The port of `redis://host` without one.
    public static let defaultRedisPort = 6379

    /// Parses `memory`, `off` or `redis://host[:port]`; nil for anything else (a password, a database number or a
    /// port outside 1–65535 included: they are not supported).
    public init?(_ text: String) {
        switch text.lowercased() {
        case "memory": self = .memory; return
        case "off", "none": self = .off; return
        default: break
        }
        guard text.lowercased().hasPrefix("redis://"), let components = URLComponents(string: text),
              let host = components.host, !host.isEmpty, components.user == nil, components.password == nil,
              components.path.isEmpty || components.path == "/", components.query == nil
        else { return nil }
        let port = components.port ?? Self.defaultRedisPort
        guard ConfigurationBounds.port.contains(port) else { return nil }
        self = .redis(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .memory: "memory"
        case .off: "off"
        case .redis(let host, let port): "redis://\(host):\(port)"
        }
    }
}

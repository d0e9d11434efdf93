import Foundation
import NIOCore

/// Why `polarpipe serve` could not start listening, as a sentence with the fix.
public enum ServerStartError: Error, CustomStringConvertible, Equatable {
    case portInUse(host: String, port: Int)
    case addressUnavailable(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .portInUse(let host, let port): "port \(port) on \(host) is in use; pass --port"
        case .addressUnavailable(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason); pass --host or --port"
        }
    }

    /// The sentence for a failed `bind(2)`, or nil for any other error.
    static func from(_ error: any Error, host: String, port: Int) -> ServerStartError? {
        guard let error = error as? IOError, error.description.hasPrefix("bind") else { return nil }
        switch error.errnoCode {
        case EADDRINUSE: return .portInUse(host: host, port: port)
        case EACCES: return .addressUnavailable(host: host, port: port, reason: "permission denied (ports below 1024 need privileges)")
        case EADDRNOTAVAIL: return .addressUnavailable(host: host, port: port, reason: "this machine has no such address")
        default: return .addressUnavailable(host: host, port: port, reason: String(cString: strerror(error.errnoCode)))
        }
    }
}

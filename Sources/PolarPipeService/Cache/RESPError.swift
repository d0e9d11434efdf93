/// Why a Redis command did not get its reply.
public enum RESPError: Error, Equatable, CustomStringConvertible {
    /// No connection: connecting failed or timed out, or the next attempt waits for its backoff.
    case unavailable(String)
    /// No reply within the reply timeout (the connection is closed: its replies would be out of step).
    case timeout
    /// The connection closed before the reply came.
    case connectionClosed
    /// The server sent a bulk string or array larger than the client's limit; refused before allocating.
    case replyTooLarge(kind: String, size: Int64, limit: Int)
    /// Bytes that are not RESP2 (or nested deeper, or a line longer, than the client accepts).
    case protocolViolation(String)
    /// The server answered with an error reply (`-ERR …`).
    case server(String)
    /// A reply of a type the command does not return (`INCR` answering a bulk string).
    case unexpectedReply(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "redis unavailable: \(reason)"
        case .timeout: "redis did not answer in time"
        case .connectionClosed: "redis closed the connection"
        case .replyTooLarge(let kind, let size, let limit): "redis sent a \(kind) of \(size) (limit \(limit))"
        case .protocolViolation(let what): "redis protocol violation: \(what)"
        case .server(let message): "redis error: \(message)"
        case .unexpectedReply(let what): "unexpected redis reply: \(what)"
        }
    }
}

import NIOCore

/// A RESP2 reply: a simple string (`+OK`), an error (`-ERR …`), an integer (`:1`), a bulk string (`$3\r\nabc`,
/// nil for `$-1`) or an array (`*2…`, nil for `*-1`).
public enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8]?)
    case array([RESPValue]?)
}

/// Writes commands as RESP2 arrays of bulk strings, the form every Redis command takes on the wire.
enum RESPEncoder {
    /// Appends `*<n>\r\n` and `$<len>\r\n<bytes>\r\n` for each argument of `command`.
    static func write(_ command: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(command.count)\r\n")
        for argument in command {
            buffer.writeString("$\(argument.count)\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Several commands in one buffer: one write, the replies come back in the same order (pipelining).
    static func encode(_ commands: [[[UInt8]]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for command in commands { write(command, into: &buffer) }
        return buffer
    }
}

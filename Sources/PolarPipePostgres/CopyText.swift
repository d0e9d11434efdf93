import NIOCore

/// Rows in the text format of `COPY … FROM STDIN` (tab-separated, `\N` for NULL, newline-terminated), collected
/// into buffers of about `capacity` bytes that the caller sends as it goes. Only numbers and `YYYY-MM-DD` dates
/// are written, so nothing needs escaping.
struct CopyText {
    static let capacity = 256 * 1024
    private var buffer = ByteBuffer()

    init() {
        buffer.reserveCapacity(Self.capacity + 1024)
    }

    var isFull: Bool { buffer.readableBytes >= Self.capacity }

    /// The collected rows; the collector starts again empty.
    mutating func take() -> ByteBuffer {
        let full = buffer
        buffer = ByteBuffer()
        buffer.reserveCapacity(Self.capacity + 1024)
        return full
    }

    mutating func row(_ id: Int64, _ t: Double, _ value: Double, _ month: String) {
        integer(id); tab(); number(t); tab(); number(value); tab(); buffer.writeString(month); newline()
    }

    mutating func row(_ id: Int64, _ t: Double, _ latitude: Double, _ longitude: Double, _ altitude: Double, _ month: String) {
        integer(id); tab(); number(t); tab(); number(latitude); tab(); number(longitude); tab()
        if altitude.isNaN { buffer.writeStaticString("\\N") } else { number(altitude) }
        tab(); buffer.writeString(month); newline()
    }

    private mutating func tab() { buffer.writeInteger(UInt8(ascii: "\t")) }
    private mutating func newline() { buffer.writeInteger(UInt8(ascii: "\n")) }

    private mutating func integer(_ value: Int64) { buffer.writeString(String(value)) }

    /// Integral values (most samples: whole seconds, whole bpm) as integers; others in Swift's shortest
    /// round-trip form, which PostgreSQL's float8 input reads back to the same double.
    private mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            buffer.writeString(value.description)
        }
    }
}

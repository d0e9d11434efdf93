import Foundation
import PolarPipeService
import PolarPipeTestSupport
import Testing

/// A throwaway `redis-server` on a free loopback port: no persistence, its own folder. `killServer()` ends it at once
/// (SIGKILL, as a crash would), `start()` brings it back on the same port.
final class RedisServer: @unchecked Sendable {
    let port: Int
    private let folder: URL
    private var process: Process?

    init() throws {
        port = try freeLoopbackPort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try start()
    }

    /// Starts the server and waits (at most 10 s) until it answers PING.
    func start() throws {
        let executable = try #require(TestEnvironment.redisServer, "CI must install redis-server (.ci/run does)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--dir", folder.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0 ..< 200 {
            if Self.answersPing(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "redis-server on port \(port) did not start"])
    }

    /// Ends the server with SIGKILL and waits for it.
    func killServer() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func stop() {
        killServer()
        try? FileManager.default.removeItem(at: folder)
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// A client for the test's own checks, quick to reconnect.
    func client(replyTimeout: Duration = .seconds(2), limits: RESPLimits = RESPLimits()) -> RESPClient {
        RESPClient(.init(host: "127.0.0.1", port: port, replyTimeout: replyTimeout, initialBackoff: .milliseconds(20),
                         maxBackoff: .milliseconds(200), limits: limits))
    }

    /// Whether something on `port` answers `PING` with `+PONG` (plain sockets: no client state involved).
    static func answersPing(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var reply = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &reply, reply.count)
        return n >= 5 && String(decoding: reply[0 ..< 5], as: UTF8.self) == "+PONG"
    }
}

/// A socket on 127.0.0.1 that listens but never accepts: connecting succeeds (the kernel completes the handshake)
/// and nothing is ever answered — a server that hangs.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        fd = try boundLoopbackSocket()
        guard listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        port = boundPort(fd)
    }

    func stop() { close(fd) }
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
    return address
}

func boundPort(_ fd: Int32) -> Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A TCP socket bound to 127.0.0.1 on a free port.
func boundLoopbackSocket() throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
    return fd
}

/// A port that was free a moment ago (bound, read, closed).
func freeLoopbackPort() throws -> Int {
    let fd = try boundLoopbackSocket()
    defer { close(fd) }
    return boundPort(fd)
}

import Foundation
import NIOCore
import NIOPosix

/// A small Redis client (RESP2 over one TCP connection, SwiftNIO). Commands may be pipelined: several written in
/// one go, their replies returned in order. Every connect and every reply has a timeout. A lost connection is
/// opened again on the next command; a failed connect waits a backoff (doubling up to `maxBackoff`) before the
/// next attempt, and commands in that wait fail at once with `RESPError.unavailable` instead of waiting.
public actor RESPClient {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var connectTimeout: Duration
        public var replyTimeout: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public var limits: RESPLimits

        public init(host: String, port: Int, connectTimeout: Duration = .milliseconds(500), replyTimeout: Duration = .seconds(1),
                    initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5), limits: RESPLimits = RESPLimits()) {
            self.host = host
            self.port = port
            self.connectTimeout = connectTimeout
            self.replyTimeout = replyTimeout
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.limits = limits
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private var channel: (any Channel)?
    private var connecting: Task<any Channel, any Error>?
    private var backoff: Duration
    private var nextAttempt: ContinuousClock.Instant?

    public init(_ configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        self.backoff = configuration.initialBackoff
    }

    // MARK: Commands

    /// `GET key`: the value, nil when there is none.
    public func get(_ key: String) async throws -> [UInt8]? {
        try Self.bulk(try await send([["GET", key].map(Self.bytes)]).first)
    }

    /// `SET key value [EX seconds]`.
    public func set(_ key: String, _ value: [UInt8], expireSeconds: Int? = nil) async throws {
        var command = [Self.bytes("SET"), Self.bytes(key), value]
        if let expireSeconds { command += [Self.bytes("EX"), Self.bytes(String(expireSeconds))] }
        let reply = try await send([command]).first
        guard reply == .simple("OK") else { throw Self.unexpected(reply) }
    }

    /// `DEL key…`: how many of the keys existed.
    public func del(_ keys: [String]) async throws -> Int64 {
        try Self.integer(try await send([(["DEL"] + keys).map(Self.bytes)]).first)
    }

    /// `INCR key`: the value after the increment (a missing key counts from 0).
    public func incr(_ key: String) async throws -> Int64 {
        try Self.integer(try await send([["INCR", key].map(Self.bytes)]).first)
    }

    /// Any commands, written in one go; their replies in the same order. An error reply (`-ERR`) is returned as
    /// `.error`, not thrown: in a pipeline each command succeeds or fails on its own.
    public func send(_ commands: [[[UInt8]]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let channel = try await connectedChannel()
        let loop = channel.eventLoop
        let replies = commands.map { _ in loop.makePromise(of: RESPValue.self) }
        let deadline = loop.scheduleTask(in: TimeAmount(configuration.replyTimeout)) {
            for reply in replies { reply.fail(RESPError.timeout) }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        let written = loop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            for reply in replies { reply.fail(error as? RESPError ?? .connectionClosed) }
        }
        channel.writeAndFlush(RESPRequest(bytes: RESPEncoder.encode(commands), replies: replies), promise: written)
        var values: [RESPValue] = []
        values.reserveCapacity(replies.count)
        do {
            for reply in replies { values.append(try await reply.futureResult.get()) }
        } catch let error as RESPError where error == .timeout || error == .connectionClosed {
            // A server that stops answering is given the same backoff as one that cannot be reached.
            noteFailure()
            throw error
        }
        backoff = configuration.initialBackoff
        return values
    }

    /// Closes the connection (the next command opens a new one).
    public func close() async {
        connecting?.cancel()
        try? await channel?.close()
        channel = nil
    }

    // MARK: Connection

    private func connectedChannel() async throws -> any Channel {
        if let channel, channel.isActive { return channel }
        channel = nil
        if let connecting {
            do { return try await connecting.value } catch { throw RESPError.unavailable("cannot connect to \(configuration.host):\(configuration.port): \(error)") }
        }
        let now = ContinuousClock.now
        if let nextAttempt, now < nextAttempt {
            throw RESPError.unavailable("\(configuration.host):\(configuration.port) unreachable; next attempt in \(nextAttempt - now)")
        }
        let task = Task { [configuration, group] in try await Self.connect(configuration, group: group) }
        connecting = task
        defer { connecting = nil }
        do {
            let opened = try await task.value
            channel = opened
            nextAttempt = nil
            return opened
        } catch {
            noteFailure()
            throw RESPError.unavailable("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
    }

    /// The next connect waits the current backoff, and the one after it twice as long (up to `maxBackoff`).
    private func noteFailure() {
        nextAttempt = ContinuousClock.now + backoff
        backoff = min(backoff * 2, configuration.maxBackoff)
    }

    private static func connect(_ configuration: Configuration, group: any EventLoopGroup) async throws -> any Channel {
        let limits = configuration.limits
        return try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The buffer holds at most one reply of the largest size allowed, plus its header lines.
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RESPDecoder(limits: limits), maximumBufferSize: limits.maxBulkBytes + 2 * limits.maxLineBytes + 64))
                    try channel.pipeline.syncOperations.addHandler(RESPCommandHandler())
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
    }

    // MARK: Replies

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func unexpected(_ reply: RESPValue?) -> RESPError {
        if case .error(let message) = reply { return .server(message) }
        return .unexpectedReply(reply.map { "\($0)".prefix(80).description } ?? "none")
    }

    static func bulk(_ reply: RESPValue?) throws -> [UInt8]? {
        guard case .bulk(let bytes) = reply else { throw unexpected(reply) }
        return bytes
    }

    static func integer(_ reply: RESPValue?) throws -> Int64 {
        guard case .integer(let n) = reply else { throw unexpected(reply) }
        return n
    }
}

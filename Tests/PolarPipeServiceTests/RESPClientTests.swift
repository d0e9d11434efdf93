import Foundation
import NIOCore
@testable import PolarPipeService
import PolarPipeTestSupport
import Testing

/// The RESP2 reply parser on hand-written bytes: well-formed replies, replies that arrive in parts, and hostile
/// lengths refused before anything is allocated for them.
@Suite struct RESPParserTests {
    func parse(_ text: String, limits: RESPLimits = RESPLimits()) throws -> RESPValue? {
        try RESPParser.parse(ByteBuffer(string: text), at: 0, limits: limits)?.0
    }

    @Test func everyReplyTypeIsRead() throws {
        #expect(try parse("+OK\r\n") == .simple("OK"))
        #expect(try parse("-ERR wrong type\r\n") == .error("ERR wrong type"))
        #expect(try parse(":-42\r\n") == .integer(-42))
        #expect(try parse("$5\r\nhello\r\n") == .bulk(Array("hello".utf8)))
        #expect(try parse("$0\r\n\r\n") == .bulk([]))
        #expect(try parse("$-1\r\n") == .bulk(nil))
        #expect(try parse("*2\r\n:1\r\n$1\r\na\r\n") == .array([.integer(1), .bulk([UInt8(ascii: "a")])]))
        #expect(try parse("*-1\r\n") == .array(nil))
    }

    @Test(arguments: ["", "+OK", "+OK\r", "$5\r\nhel", "$5\r\nhello", "$5\r\nhello\r", "*2\r\n:1\r\n", ":12"])
    func aReplyInPartsWaitsForTheRest(_ part: String) throws {
        #expect(try parse(part) == nil)
    }

    @Test func aBulkLengthOverTheLimitIsRefusedFromItsHeaderAlone() {
        // Only the header has come: the 2 GB body is never waited for, nor allocated.
        #expect(throws: RESPError.replyTooLarge(kind: "bulk string", size: 2_000_000_000, limit: 1024)) {
            try parse("$2000000000\r\n", limits: RESPLimits(maxBulkBytes: 1024))
        }
        #expect(throws: RESPError.replyTooLarge(kind: "array", size: 5000, limit: 1024)) { try parse("*5000\r\n") }
    }

    @Test(arguments: ["$99999999999999999999\r\n", "$-2\r\n", "*-7\r\n", ":1x\r\n", ":\r\n", "$3\r\nabcd\r\n", "?\r\n",
                      "+OK\rX", String(repeating: "*1\r\n", count: 10) + ":1\r\n"])
    func malformedOrTooDeepRepliesAreProtocolViolations(_ text: String) {
        let error = #expect(throws: RESPError.self) { try parse(text) }
        #expect(error?.isProtocolViolation == true)
    }

    @Test func aLineWithoutItsEndPastTheLimitIsRefused() {
        let limits = RESPLimits(maxLineBytes: 16)
        #expect(throws: RESPError.protocolViolation("a line longer than 16 bytes")) {
            try parse("+" + String(repeating: "x", count: 40), limits: limits)
        }
    }

    @Test func commandsAreEncodedAsArraysOfBulkStrings() {
        let buffer = RESPEncoder.encode([[Array("SET".utf8), Array("k".utf8), Array("vé".utf8)], [Array("GET".utf8), Array("k".utf8)]])
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nvé\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
    }
}

/// The client against a real `redis-server` (Debian's package; .ci/run installs it), and against a loopback
/// listener that never answers.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: TestEnvironment.runs(TestEnvironment.redisServer != nil)))
struct RESPClientTests {
    @Test func getSetWithExpiryDeleteAndIncrWorkOnARealServer() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = server.client()
        #expect(try await client.get("absent") == nil)
        try await client.set("page", Array("<html>é</html>".utf8), expireSeconds: 100)
        #expect(try await client.get("page") == Array("<html>é</html>".utf8))
        let ttl = try await client.send([[Array("TTL".utf8), Array("page".utf8)]])
        guard case .integer(let seconds) = try #require(ttl.first) else { Issue.record("TTL answered \(ttl)"); return }
        #expect((90 ... 100).contains(seconds))
        #expect(try await client.del(["page", "absent"]) == 1)
        #expect(try await client.get("page") == nil)
        #expect(try await client.incr("generation") == 1)
        #expect(try await client.incr("generation") == 2)
        #expect(try await client.get("generation") == Array("2".utf8))
        // An error reply is the server's message, thrown by the typed commands.
        try await client.set("text", Array("abc".utf8))
        await #expect(throws: RESPError.server("ERR value is not an integer or out of range")) { try await client.incr("text") }
        await client.close()
    }

    @Test func pipelinedCommandsAreAnsweredInTheOrderSent() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = server.client()
        var commands: [[[UInt8]]] = []
        for i in 0 ..< 200 {
            commands.append(["SET", "key\(i)", "value\(i)"].map(RESPClient.bytes))
            commands.append(["INCR", "counter"].map(RESPClient.bytes))
            commands.append(["GET", "key\(i)"].map(RESPClient.bytes))
        }
        let replies = try await client.send(commands)
        #expect(replies.count == 600)
        for i in 0 ..< 200 {
            #expect(replies[3 * i] == .simple("OK"))
            #expect(replies[3 * i + 1] == .integer(Int64(i + 1)))
            #expect(replies[3 * i + 2] == .bulk(Array("value\(i)".utf8)))
        }
        // Concurrent callers on one connection each get their own replies.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0 ..< 50 {
                group.addTask {
                    let value = try await client.get("key\(i)")
                    #expect(value == Array("value\(i)".utf8))
                }
            }
            try await group.waitForAll()
        }
        await client.close()
    }

    @Test func aBulkReplyOverTheLimitIsRefusedAndTheNextCommandStillWorks() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = server.client(limits: RESPLimits(maxBulkBytes: 1024))
        try await client.set("big", [UInt8](repeating: 0x61, count: 4096))
        try await client.set("small", Array("ok".utf8))
        await #expect(throws: RESPError.replyTooLarge(kind: "bulk string", size: 4096, limit: 1024)) { try await client.get("big") }
        // The connection that carried the refused reply is closed; after the backoff a new one serves.
        let value = try await eventually { try await client.get("small") }
        #expect(value == Array("ok".utf8))
        await client.close()
    }

    @Test func aServerThatNeverAnswersTimesOutAndIsNotWaitedForAgainDuringTheBackoff() async throws {
        let listener = try SilentListener()
        defer { listener.stop() }
        let client = RESPClient(.init(host: "127.0.0.1", port: listener.port, replyTimeout: .milliseconds(300),
                                      initialBackoff: .seconds(30)))
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: RESPError.timeout) { try await client.get("page") }
        let waited = clock.now - started
        // (The upper bound only rules out waiting for the 30 s backoff: a loaded CI machine takes seconds.)
        #expect(waited >= .milliseconds(300) && waited < .seconds(20))
        // Within the backoff the client does not connect again: it fails at once.
        let again = clock.now
        let error = await #expect(throws: RESPError.self) { try await client.get("page") }
        #expect(error?.unavailableReason != nil)
        #expect(clock.now - again < .milliseconds(100))
        await client.close()
    }

    @Test func aRefusedConnectionFailsFastAsUnavailable() async throws {
        let port = try freeLoopbackPort()
        let client = RESPClient(.init(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500)))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: RESPError.self) { try await client.incr("generation") }
        #expect(error?.unavailableReason?.contains("127.0.0.1:\(port)") == true)
        #expect(clock.now - started < .seconds(15))  // no hang, whatever the machine's load
    }

    @Test func theClientReconnectsAfterTheServerRestarts() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = server.client()
        #expect(try await client.incr("generation") == 1)
        server.killServer()
        await #expect(throws: RESPError.self) { try await client.incr("generation") }
        try server.start()
        // The restarted server kept nothing (no persistence): the counter starts again.
        let value = try await eventually { try await client.incr("generation") }
        #expect(value == 1)
        await client.close()
    }
}

/// Retries `body` every 50 ms for up to 10 s (a reconnect waits its backoff) and returns its first success.
func eventually<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    var lastError: (any Error)?
    for _ in 0 ..< 200 {
        do { return try await body() } catch { lastError = error }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw lastError ?? RESPError.timeout
}

extension RESPError {
    var isProtocolViolation: Bool {
        if case .protocolViolation = self { return true }
        return false
    }

    var unavailableReason: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }
}

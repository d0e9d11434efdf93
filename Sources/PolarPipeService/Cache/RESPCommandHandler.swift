import NIOCore

/// Commands written in one go and the promises of their replies, in order.
struct RESPRequest: Sendable {
    var bytes: ByteBuffer
    var replies: [EventLoopPromise<RESPValue>]
}

/// Pairs replies with commands: Redis answers in the order it was sent, so the promises wait in a FIFO queue that
/// is only touched on the channel's event loop. A closed connection or a decoding error fails every waiting
/// promise and closes the channel (its remaining replies could no longer be matched).
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard context.channel.isActive else {
            for reply in request.replies { reply.fail(RESPError.connectionClosed) }
            promise?.fail(RESPError.connectionClosed)
            return
        }
        waiting.append(contentsOf: request.replies)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let reply = waiting.popFirst() else {
            // A reply nobody asked for: the stream is out of step.
            context.close(promise: nil)
            return
        }
        reply.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? RESPError ?? .unavailable("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(_ error: RESPError) {
        while let reply = waiting.popFirst() { reply.fail(error) }
    }
}

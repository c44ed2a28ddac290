import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP side of the exporter, on SwiftNIO: `GET /metrics` reads every teamd at that moment and
/// answers with the exposition; `/` says where the metrics are; anything else is 404, a method other
/// than GET or HEAD 405.
///
/// One event loop thread serves the connections. A scrape's state dumps are blocking calls on the
/// control sockets, so they run on a one-thread pool: a teamd slow to answer delays the scrapes (one at
/// a time, which keeps the restart bookkeeping simple) but never the event loop.
public final class MetricsHTTPServer: Sendable {
    /// The Prometheus text exposition format, version 0.0.4, which swift-prometheus writes.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let channel: any Channel

    /// Binds `address` and starts serving; `log` gets the collector's messages.
    public init(address: ListenAddress, collector: TeamdCollector,
                log: @escaping @Sendable (String) -> Void) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        MetricsRequestHandler(collector: collector, threadPool: threadPool, log: log))
                }
            }
        do {
            // An address literal (the options hold no names): no resolver, which a static executable lacks.
            channel = try bootstrap.bind(to: try SocketAddress(ipAddress: address.host, port: address.port)).wait()
        } catch {
            try? threadPool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.threadPool = threadPool
    }

    /// Where the server listens (with the port the kernel picked when asked for port 0).
    public var address: ListenAddress? {
        guard let local = channel.localAddress, let host = local.ipAddress, let port = local.port else { return nil }
        return ListenAddress(host: host, port: port)
    }

    /// Serves until the server is closed.
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    /// Stops listening, then stops the threads.
    public func shutdown() throws {
        try channel.close().wait()
        try threadPool.syncShutdownGracefully()
        try group.syncShutdownGracefully()
    }
}

/// One connection's requests (the pipeline handler before it hands them over one at a time).
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let collector: TeamdCollector
    private let threadPool: NIOThreadPool
    private let log: @Sendable (String) -> Void
    private var request: HTTPRequestHead?

    init(collector: TeamdCollector, threadPool: NIOThreadPool, log: @escaping @Sendable (String) -> Void) {
        self.collector = collector
        self.threadPool = threadPool
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // a body is of no use to any of our answers
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    /// A request that is not HTTP has had its 400 from the pipeline's error handler; the connection
    /// ends here, or a client sending garbage would keep it open.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.method == .GET || head.method == .HEAD else {
            return send(.methodNotAllowed, "only GET and HEAD\n", to: head, context: context, extra: [("Allow", "GET, HEAD")])
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch path {
        case "/metrics":
            let collector = self.collector
            let log = self.log
            let scrape = threadPool.runIfActive(eventLoop: context.eventLoop) { collector.scrape(log: log) }
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            scrape.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let text):
                    handler.send(.ok, text, to: head, context: context, contentType: MetricsHTTPServer.contentType)
                case .failure(let error):
                    handler.send(.internalServerError, "scrape failed: \(error)\n", to: head, context: context)
                }
            }
        case "/":
            send(.ok, "teamd-exporter: the state of every teamd as Prometheus metrics at /metrics\n", to: head,
                 context: context)
        default:
            send(.notFound, "not found; the metrics are at /metrics\n", to: head, context: context)
        }
    }

    private func send(_ status: HTTPResponseStatus, _ body: String, to request: HTTPRequestHead,
                      context: ChannelHandlerContext, contentType: String = "text/plain; charset=utf-8",
                      extra: [(String, String)] = []) {
        let bytes = context.channel.allocator.buffer(string: body)
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(bytes.readableBytes))])
        headers.add(contentsOf: extra)
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

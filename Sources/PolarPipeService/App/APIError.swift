import Foundation
import Hummingbird
import PolarPipeCore

/// An error answered to an HTTP client: a status and a JSON body `{"error": "<code>", "message": "…"}`.
/// Errors are mapped to HTTP here, at the server's edge, and carry no secrets.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try JSONEncoder().encode(ErrorBody(error: code, message: message))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid bearer token is required",
                                       headers: [.wwwAuthenticate: "Bearer realm=\"polarpipe\""])
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not-found", message) }
}

/// The JSON body of an error.
struct ErrorBody: Encodable {
    var error: String
    var message: String
}

/// JSON responses.
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try RunHistoryJSON.data(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

import Foundation
import PolarPipeCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why an AccessLink call failed. Messages name the path, never the token.
public enum AccessLinkError: Error, CustomStringConvertible, Equatable {
    /// 401: the user's access token is invalid or revoked.
    case unauthorized(path: String)
    /// 429 more often than the retries allow.
    case rateLimited(path: String)
    /// The client's rate limit is used up (a window's `RateLimit-Usage` reached its limit, or a 429 asked for a longer
    /// wait than the client waits): no request is sent until it resets.
    case rateLimitReached(resetSeconds: Int)
    /// 5xx after the retries.
    case server(status: Int, path: String)
    /// Any other unexpected status.
    case unexpected(status: Int, path: String)
    /// A body that is not the documented JSON.
    case invalidResponse(path: String)
    case transport(path: String, message: String)

    public var description: String {
        switch self {
        case .unauthorized(let p): return "AccessLink answered 401 for \(p): the access token is invalid or revoked"
        case .rateLimited(let p): return "AccessLink kept answering 429 (rate limited) for \(p)"
        case .rateLimitReached(let s):
            return "AccessLink's rate limit for this client is used up until it resets in \(s) s: nothing more is requested until the next sync"
        case .server(let s, let p): return "AccessLink answered \(s) for \(p) after retries"
        case .unexpected(let s, let p): return "AccessLink answered \(s) for \(p)"
        case .invalidResponse(let p): return "AccessLink sent an unexpected body for \(p)"
        case .transport(let p, let m): return "AccessLink could not be reached for \(p): \(m)"
        }
    }
}

/// A small Polar AccessLink v3 HTTP client for one user's OAuth2 access token (POLAR_FORMATS.md §2): bearer
/// authentication, JSON, retries. 429 waits for `Retry-After` seconds (capped) and 5xx / transport errors back
/// off exponentially, each up to `retries` times; 401 fails at once. URLs that AccessLink returns (transaction
/// and exercise links) are followed by their path only, always against `baseURL`, so the token is never sent
/// to another host.
public struct AccessLinkClient: Sendable {
    public var baseURL: String
    public var accessToken: String
    public var retries: Int = 3
    /// First back-off after a 5xx, doubled each time (seconds).
    public var backoffSeconds: Double = 1
    /// Longest `Retry-After` waited for (seconds); a longer one closes `rateLimit`.
    public var maxRetryAfterSeconds: Double = 120
    /// How long one request may take (seconds).
    public var timeoutSeconds: Double = 60
    /// The client's rate limits, shared by the requests of one sync.
    public var rateLimit = AccessLinkRateLimit()
    let session: URLSession

    public init(baseURL: String, accessToken: String, session: URLSession = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.accessToken = accessToken
        self.session = session
    }

    /// A response: status and body.
    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
    }

    /// The path (and query) of `link`, an absolute AccessLink URL or a path.
    public static func path(of link: String) -> String {
        guard let components = URLComponents(string: link), components.host != nil else { return link }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// Sends one request with the retry policy; answers any status that is not 401, 429 or 5xx.
    public func send(_ method: String, _ path: String, json: Any? = nil) async throws -> Reply {
        guard let url = URL(string: baseURL + (path.hasPrefix("/") ? path : "/" + path)) else {
            throw AccessLinkError.transport(path: path, message: "bad URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(accessToken)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.timeoutInterval = timeoutSeconds
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        var attempt = 0
        while true {
            attempt += 1
            if let wait = rateLimit.wait() { throw AccessLinkError.rateLimitReached(resetSeconds: wait) }
            let data: Data, response: HTTPURLResponse
            do {
                let (d, r) = try await session.data(for: request)
                guard let http = r as? HTTPURLResponse else { throw AccessLinkError.invalidResponse(path: path) }
                (data, response) = (d, http)
            } catch let error as AccessLinkError {
                throw error
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                guard attempt <= retries else { throw AccessLinkError.transport(path: path, message: "\(type(of: error))") }
                try await Task.sleep(nanoseconds: PolarPipeCore.Clock.nanoseconds(seconds: backoffSeconds * pow(2, Double(attempt - 1))))
                continue
            }
            rateLimit.observe(usage: response.value(forHTTPHeaderField: "RateLimit-Usage"),
                              limit: response.value(forHTTPHeaderField: "RateLimit-Limit"),
                              reset: response.value(forHTTPHeaderField: "RateLimit-Reset"))
            switch response.statusCode {
            case 401:
                throw AccessLinkError.unauthorized(path: path)
            case 429:
                let after = AccessLinkRateLimit.numbers(response.value(forHTTPHeaderField: "Retry-After"))?.first.map(Double.init) ?? backoffSeconds
                if after > maxRetryAfterSeconds {
                    // Waiting that long here would hold the sync for nothing: stop, and send nothing until then.
                    rateLimit.close(seconds: Int(after))
                    throw AccessLinkError.rateLimitReached(resetSeconds: Int(after))
                }
                guard attempt <= retries else { throw AccessLinkError.rateLimited(path: path) }
                try await Task.sleep(nanoseconds: PolarPipeCore.Clock.nanoseconds(seconds: max(after, 0)))
            case 500 ..< 600:
                guard attempt <= retries else { throw AccessLinkError.server(status: response.statusCode, path: path) }
                try await Task.sleep(nanoseconds: PolarPipeCore.Clock.nanoseconds(seconds: backoffSeconds * pow(2, Double(attempt - 1))))
            default:
                return Reply(status: response.statusCode, body: data)
            }
        }
    }

    /// `send` that accepts only the given statuses.
    func expect(_ method: String, _ path: String, json: Any? = nil, _ statuses: Set<Int>) async throws -> Reply {
        let reply = try await send(method, path, json: json)
        guard statuses.contains(reply.status) else { throw AccessLinkError.unexpected(status: reply.status, path: path) }
        return reply
    }

    static func object(_ reply: Reply, _ path: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any] else {
            throw AccessLinkError.invalidResponse(path: path)
        }
        return object
    }

    // MARK: Calls (POLAR_FORMATS.md §2.1–2.2)

    /// `POST /v3/users`: registers the user; true when newly registered, false when already registered (409).
    public func register(memberID: String) async throws -> Bool {
        let reply = try await expect("POST", "/v3/users", json: ["member-id": memberID], [200, 201, 409])
        return reply.status != 409
    }

    /// `DELETE /v3/users/{id}`: de-registers the user (Polar then revokes the token); what the answer means
    /// (`AccessLinkDeregistration.of`). A 401 is an answer here (the token is revoked already); a failure to reach
    /// AccessLink is `notReached`.
    public func deregister(polarUserID: Int64) async -> AccessLinkDeregistration {
        do {
            return .of(status: try await send("DELETE", "/v3/users/\(polarUserID)").status)
        } catch AccessLinkError.unauthorized {
            return .of(status: 401)
        } catch {
            return .notReached(reason: "\(error)")
        }
    }

    /// `POST /v3/users/{id}/exercise-transactions`: the new transaction's id, or nil (204: nothing new).
    public func createTransaction(polarUserID: Int64) async throws -> Int64? {
        let path = "/v3/users/\(polarUserID)/exercise-transactions"
        let reply = try await expect("POST", path, [200, 201, 204])
        guard reply.status != 204 else { return nil }
        let object = try Self.object(reply, path)
        guard let id = (object["transaction-id"] as? NSNumber)?.int64Value else { throw AccessLinkError.invalidResponse(path: path) }
        return id
    }

    /// `GET …/exercise-transactions/{id}`: the exercise links of the transaction.
    public func transactionExercises(polarUserID: Int64, transactionID: Int64) async throws -> [String] {
        let path = "/v3/users/\(polarUserID)/exercise-transactions/\(transactionID)"
        let reply = try await expect("GET", path, [200, 204])
        guard reply.status == 200 else { return [] }
        return (try Self.object(reply, path)["exercises"] as? [String]) ?? []
    }

    /// `PUT …/exercise-transactions/{id}`: commits the transaction (AccessLink then forgets its data).
    public func commit(polarUserID: Int64, transactionID: Int64) async throws {
        _ = try await expect("PUT", "/v3/users/\(polarUserID)/exercise-transactions/\(transactionID)", [200, 204])
    }
}

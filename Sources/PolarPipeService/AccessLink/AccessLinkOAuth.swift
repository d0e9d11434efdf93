import Foundation
import PolarPipeCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why connecting a Polar account failed: each a sentence for the athlete (or the admin) that says what to do.
/// None holds a code, a token or the client secret.
public enum AccessLinkConnectError: Error, CustomStringConvertible, Equatable {
    /// `accesslink.client_id` or `POLARPIPE_ACCESSLINK_CLIENT_SECRET` is missing.
    case notConfigured(missing: [String])
    /// No key to store the token with.
    case noTokenKey
    /// The athlete declined at Polar (`error=access_denied`) or Polar reported another error.
    case denied(reason: String)
    /// The callback's `state` is missing, unknown, used or expired.
    case badState
    /// The state was started by another polarpipe user than the one signed in at the callback.
    case otherUser
    /// The callback has no `code`.
    case noCode
    /// The token endpoint could not be reached, or answered 5xx.
    case tokenEndpointDown(detail: String)
    /// The token endpoint refused the code (4xx): expired, used, or a client id / secret / redirect URL mismatch.
    case codeRefused(status: Int)
    /// The token endpoint answered without `access_token` and `x_user_id`.
    case badTokenResponse
    /// Registering the user at AccessLink (`POST /v3/users`) failed.
    case registration(String)

    public var description: String {
        switch self {
        case .notConfigured(let missing):
            return "Connecting a Polar account is not set up on this server: the admin must set \(missing.joined(separator: " and "))."
        case .noTokenKey:
            return "Connecting a Polar account needs a key to store its access token encrypted: the admin must set "
                + "POLARPIPE_ACCESSLINK_TOKEN_KEY to 32 random bytes in base64 (`openssl rand -base64 32`) and restart polarpipe serve."
        case .denied(let reason):
            return reason == "access_denied"
                ? "You did not allow polarpipe to read your Polar data, so nothing was connected. Start again from your page if you change your mind."
                : "Polar did not connect the account (it answered \(reason)). Nothing was stored; start again from your page."
        case .badState:
            return "This connection link is not valid any more: it was already used, it expired after 10 minutes, or it was "
                + "not started from this server. Nothing was stored; start again from your page."
        case .otherUser:
            return "This connection was started by another polarpipe user than the one signed in here, so nothing was "
                + "connected. Start again from your own page."
        case .noCode:
            return "Polar sent no authorization code back. Nothing was stored; start again from your page."
        case .tokenEndpointDown(let detail):
            return "Polar's token service could not be reached (\(detail)). Nothing was stored; try again in a few minutes."
        case .codeRefused(let status):
            return "Polar's token service refused the authorization (HTTP \(status)): the code expired or was used, or the "
                + "server's client id, secret or redirect URL do not match the ones registered with Polar. Nothing was stored."
        case .badTokenResponse:
            return "Polar's token service answered without an access token and user id. Nothing was stored; try again later."
        case .registration(let detail):
            return "Polar accepted the connection but registering you at AccessLink failed (\(detail)). Nothing was stored; try again later."
        }
    }
}

/// The OAuth2 authorization-code flow of a Polar AccessLink API client (`accesslink.client_id`, `…_secret`,
/// `…authorization_url`, `…token_url`, `…redirect_url`): the URL an athlete is sent to, and the exchange of the code
/// Polar sends back for an access token and the Polar user id (`x_user_id`). The client secret goes only to the token
/// URL, in HTTP Basic.
public struct AccessLinkOAuth: Sendable {
    public var clientID: String
    let clientSecret: SecretText
    public var authorizationURL: String
    public var tokenURL: String
    /// Sent as `redirect_uri` when not empty.
    public var redirectURL: String
    let session: URLSession

    /// The flow of the configuration; throws `notConfigured` naming what is missing.
    public init(configuration c: PipelineConfiguration, session: URLSession = .shared) throws {
        var missing: [String] = []
        if c.accessLinkClientID.isEmpty { missing.append("accesslink.client_id") }
        if c.accessLinkClientSecret == nil { missing.append("POLARPIPE_ACCESSLINK_CLIENT_SECRET") }
        guard missing.isEmpty, let secret = c.accessLinkClientSecret else { throw AccessLinkConnectError.notConfigured(missing: missing) }
        clientID = c.accessLinkClientID
        clientSecret = secret
        authorizationURL = c.accessLinkAuthorizationURL
        tokenURL = c.accessLinkTokenURL
        redirectURL = c.accessLinkRedirectURL
        self.session = session
    }

    /// Where the athlete allows polarpipe to read their data: `response_type=code`, `client_id`, `state` and,
    /// when configured, `redirect_uri`.
    public func authorizationURL(state: String) -> String {
        var components = URLComponents(string: authorizationURL) ?? URLComponents()
        var items = components.queryItems ?? []
        items.append(URLQueryItem(name: "response_type", value: "code"))
        items.append(URLQueryItem(name: "client_id", value: clientID))
        if !redirectURL.isEmpty { items.append(URLQueryItem(name: "redirect_uri", value: redirectURL)) }
        items.append(URLQueryItem(name: "state", value: state))
        components.queryItems = items
        return components.string ?? authorizationURL
    }

    /// What the token endpoint granted.
    public struct Grant: Sendable, Equatable {
        public var accessToken: String
        public var polarUserID: Int64
    }

    /// `POST` to the token URL: `grant_type=authorization_code&code=…[&redirect_uri=…]`, HTTP Basic with the client
    /// id and secret.
    public func exchange(code: String) async throws -> Grant {
        guard let url = URL(string: tokenURL) else { throw AccessLinkConnectError.tokenEndpointDown(detail: "bad token URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = 30
        let credentials = Data("\(Self.formEncoded(clientID)):\(Self.formEncoded(clientSecret.value))".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        var form = ["grant_type=authorization_code", "code=\(Self.formEncoded(code))"]
        if !redirectURL.isEmpty { form.append("redirect_uri=\(Self.formEncoded(redirectURL))") }
        request.httpBody = Data(form.joined(separator: "&").utf8)
        let data: Data, response: HTTPURLResponse
        do {
            let (d, r) = try await session.data(for: request)
            guard let http = r as? HTTPURLResponse else { throw AccessLinkConnectError.badTokenResponse }
            (data, response) = (d, http)
        } catch let error as AccessLinkConnectError {
            throw error
        } catch {
            throw AccessLinkConnectError.tokenEndpointDown(detail: "no answer from \(url.host ?? "the token URL")")
        }
        switch response.statusCode {
        case 200 ..< 300: break
        case 500 ..< 600: throw AccessLinkConnectError.tokenEndpointDown(detail: "HTTP \(response.statusCode)")
        default: throw AccessLinkConnectError.codeRefused(status: response.statusCode)
        }
        guard data.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let token = object["access_token"] as? String, !token.isEmpty, token.utf8.count <= 4096,
              let userID = Self.polarUserID(object["x_user_id"])
        else { throw AccessLinkConnectError.badTokenResponse }
        return Grant(accessToken: token, polarUserID: userID)
    }

    /// `x_user_id`: a positive integer, as a JSON number or a string of digits.
    static func polarUserID(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            guard double >= 1, double < 9e15, double == double.rounded() else { return nil }
            return number.int64Value
        }
        guard let text = value as? String, (1 ... 15).contains(text.utf8.count), text.utf8.allSatisfy({ (48 ... 57).contains($0) }) else {
            return nil
        }
        return Int64(text)  // at most 15 digits: always fits
    }

    /// `application/x-www-form-urlencoded` of one value.
    static func formEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

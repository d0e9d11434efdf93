import Foundation
import Hummingbird

/// The cross-site request check of a state-changing browser action (a form `POST`). Browsers sign in here with HTTP
/// Basic, which they send again by themselves, also with a form another site makes them submit; so such a request is
/// accepted only when its `Origin` (or, when a browser sends none or `null`, its `Referer`) names this service: the
/// host and port the request was sent to (`Host`), or those of `accesslink.redirect_url` (the public address, when a
/// proxy in front passes another `Host`). A request naming another site, or none at all, is refused. The JSON API
/// needs no check: a browser sends a cross-site `DELETE` only after a CORS preflight, which this service does not allow.
enum SameOrigin {
    /// Whether `request` comes from a page of this service.
    static func allows(_ request: Request, publicURL: String) -> Bool {
        let claimed = request.headers[.origin].flatMap { $0 == "null" ? nil : $0 } ?? request.headers[.referer]
        guard let claimed, let from = authority(ofURL: claimed) else { return false }
        var own: [String] = []
        if let host = request.head.authority { own.append(normalized(host)) }
        if let publicAuthority = authority(ofURL: publicURL) { own.append(publicAuthority) }
        return own.contains(from)
    }

    /// `host[:port]` of an http(s) URL, lowercased, without its scheme's default port; nil for anything else.
    static func authority(ofURL text: String) -> String? {
        guard text.utf8.count <= 4096, let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = components.port, port != (scheme == "https" ? 443 : 80) else { return bracketed }
        return "\(bracketed):\(port)"
    }

    /// A `Host` value lowercased, without a default port (`:80`, `:443`).
    static func normalized(_ host: String) -> String {
        let lower = host.lowercased()
        for suffix in [":80", ":443"] where lower.hasSuffix(suffix) { return String(lower.dropLast(suffix.count)) }
        return lower
    }
}

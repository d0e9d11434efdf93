import Foundation

/// A tile server the user configured (`reports.map_tiles`): an `http(s)` URL template with `{z}`, `{x}` and `{y}`,
/// such as `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. Without one, routes are drawn without a map and pages
/// fetch nothing.
public struct MapTiles: Sendable, Equatable {
    public let template: String

    /// Nil unless `template` is an http or https URL holding `{z}`, `{x}` and `{y}`.
    public init?(template: String) {
        guard let scheme = URL(string: template.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""))?.scheme,
              scheme == "https" || scheme == "http",
              ["{z}", "{x}", "{y}"].allSatisfy(template.contains) else { return nil }
        self.template = template
    }

    /// The URL of one tile.
    public func url(z: Int, x: Int, y: Int) -> String {
        template.replacingOccurrences(of: "{z}", with: "\(z)").replacingOccurrences(of: "{x}", with: "\(x)")
            .replacingOccurrences(of: "{y}", with: "\(y)")
    }

    /// The server's host name, credited on the map.
    public var host: String {
        URL(string: url(z: 0, x: 0, y: 0))?.host ?? template
    }

    /// A square view of a route in Web Mercator pixels (256 per tile) at the largest zoom (≤ 18) where the route fits.
    struct View {
        let zoom: Int
        let size: Double
        let offsetX: Double, offsetY: Double
        let meanLatitude: Double

        init?(latitude: [Double], longitude: [Double], size: Double) {
            guard !latitude.isEmpty, latitude.count == longitude.count,
                  latitude.allSatisfy({ $0.isFinite && abs($0) <= 90 }), longitude.allSatisfy({ $0.isFinite && abs($0) <= 180 }) else { return nil }
            var zoom = 0
            for z in Swift.stride(from: 18, through: 0, by: -1) {
                let xs = longitude.map { View.x($0, z) }, ys = latitude.map { View.y($0, z) }
                if (xs.max() ?? 0) - (xs.min() ?? 0) <= size - 40, (ys.max() ?? 0) - (ys.min() ?? 0) <= size - 40 {
                    zoom = z
                    break
                }
            }
            let xs = longitude.map { View.x($0, zoom) }, ys = latitude.map { View.y($0, zoom) }
            self.zoom = zoom
            self.size = size
            offsetX = size / 2 - ((xs.min() ?? 0) + (xs.max() ?? 0)) / 2
            offsetY = size / 2 - ((ys.min() ?? 0) + (ys.max() ?? 0)) / 2
            meanLatitude = latitude.reduce(0, +) / Double(latitude.count)
        }

        static func x(_ longitude: Double, _ z: Int) -> Double { (longitude + 180) / 360 * 256 * pow(2, Double(z)) }

        static func y(_ latitude: Double, _ z: Int) -> Double {
            let phi = max(-85.051_13, min(85.051_13, latitude)) * .pi / 180
            return (1 - asinh(tan(phi)) / .pi) / 2 * 256 * pow(2, Double(z))
        }

        /// A point's position in the view.
        func point(_ latitude: Double, _ longitude: Double) -> (Double, Double) {
            (View.x(longitude, zoom) + offsetX, View.y(latitude, zoom) + offsetY)
        }

        /// Ground metres per view unit at the route's latitude.
        var metresPerPixel: Double { 156_543.033_92 * cos(meanLatitude * .pi / 180) / pow(2, Double(zoom)) }

        /// The `<image>` elements of the tiles that cover the view (at most 3 × 3 for a 300-unit view).
        func images(_ tiles: MapTiles) -> String {
            let n = 1 << zoom
            let firstX = Int(((-offsetX) / 256).rounded(.down)), lastX = Int(((size - offsetX) / 256).rounded(.down))
            let firstY = Int(((-offsetY) / 256).rounded(.down)), lastY = Int(((size - offsetY) / 256).rounded(.down))
            var s = ""
            for ty in max(0, firstY) ... max(max(0, firstY), min(n - 1, lastY)) {
                for tx in firstX ... max(firstX, lastX) {
                    let wrapped = ((tx % n) + n) % n
                    s += "<image href=\"\(HTML.escape(tiles.url(z: zoom, x: wrapped, y: ty)))\" x=\"\(SVGChart.f(Double(tx) * 256 + offsetX))\" "
                        + "y=\"\(SVGChart.f(Double(ty) * 256 + offsetY))\" width=\"256\" height=\"256\"/>"
                }
            }
            return s
        }
    }
}

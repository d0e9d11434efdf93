import Foundation

/// Positions of latitude/longitude in a square SVG box, shared by a route and the heatmap of many routes. Without
/// `tiles` the points are projected equirectangularly around their mean latitude and fitted to the box on a plain
/// background (nothing is fetched); with `tiles`, as Web Mercator at the largest zoom that fits, over the tile
/// server's images with the server credited.
struct RouteProjection {
    let size: Double
    /// Ground metres per unit of the box, for the scale bar.
    let metresPerUnit: Double
    /// The background: a plain rectangle, and the tiles with their credit when drawn on a map.
    let background: String
    private let project: (Double, Double) -> (Double, Double)

    /// The projection fitting `latitude`/`longitude` (non-empty, equally long, valid positions) into a `size` box.
    init(latitude: [Double], longitude: [Double], size: Double = 300, tiles: MapTiles?) {
        self.size = size
        let plain = "<rect width=\"\(Int(size))\" height=\"\(Int(size))\" fill=\"#f7f8fa\"/>"
        if let tiles, let view = MapTiles.View(latitude: latitude, longitude: longitude, size: size) {
            project = { view.point($0, $1) }
            metresPerUnit = view.metresPerPixel
            background = plain + view.images(tiles) + "<text x=\"\(SVGChart.f(size - 6))\" y=\"\(SVGChart.f(size - 4))\" text-anchor=\"end\" "
                + "font-size=\"11\" fill=\"#1d2433\">map: \(HTML.escape(tiles.host))</text>"
            return
        }
        let count = Double(max(1, latitude.count))
        let meanLat = latitude.reduce(0, +) / count * .pi / 180
        let cosine = cos(meanLat)
        let xs = longitude.map { $0 * cosine }, ys = latitude.map { -$0 }
        let (minX, maxX, minY, maxY) = (xs.min() ?? 0, xs.max() ?? 0, ys.min() ?? 0, ys.max() ?? 0)
        let span = max(maxX - minX, maxY - minY, 1e-9)
        let pad = 10.0
        let scale = (size - 2 * pad) / span
        let offX = pad + ((size - 2 * pad) - (maxX - minX) * scale) / 2, offY = pad + ((size - 2 * pad) - (maxY - minY) * scale) / 2
        project = { lat, lon in (offX + (lon * cosine - minX) * scale, offY + (-lat - minY) * scale) }
        metresPerUnit = 111_320 / scale
        background = plain
    }

    /// A position in the box.
    func point(_ latitude: Double, _ longitude: Double) -> (Double, Double) { project(latitude, longitude) }
}

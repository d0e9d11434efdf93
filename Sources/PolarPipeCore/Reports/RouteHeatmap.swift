import Foundation

/// A heatmap of many routes (all of a user's): the square box is divided into cells and each cell is coloured by how
/// many routes pass through it, on the tile server's map when one is configured, else on a plain projection with a
/// scale bar. The work is bounded: at most `maxExercises` routes of at most `pointsPerExercise` points each (the
/// stores sample them evenly), a segment between two points fills at most `maxStepsPerSegment` cells, and the
/// drawing has at most one square per cell.
///
/// Routes that never come within `areaRadiusM` of the place most routes are centred near (a holiday, a race abroad)
/// are left out and counted, so that the area where the athlete trains is not shrunk to a dot; a long ride from home
/// is kept.
public enum RouteHeatmap {
    public static let maxExercises = 500
    public static let pointsPerExercise = 200
    public static let areaRadiusM = 50_000.0
    static let size = 300.0
    /// Cell edge in box units: 100 × 100 cells.
    static let cell = 3
    static let maxStepsPerSegment = 40
    /// A segment longer than this (box units) is a gap in the recording and is not filled.
    static let maxSegment = 40.0
    /// Light to dark: 1 route to the most routes through one cell (logarithmic).
    static let colours = ["#f6b26b", "#ee8a4a", "#e0582f", "#c02a1c", "#7f0c12"]

    /// The drawing and what it left out.
    public struct Drawing: Sendable, Equatable {
        public var svg: String
        /// Routes drawn, and routes left out because they lie elsewhere.
        public var drawn: Int
        public var elsewhere: Int
        /// The most routes passing through one cell.
        public var busiestCell: Int
    }

    /// Nil when no route has a valid position.
    public static func draw(_ sketches: [RouteSketch], tiles: MapTiles?) -> Drawing? {
        let routes = sketches.suffix(maxExercises).compactMap(clean)
        guard !routes.isEmpty else { return nil }
        let centres = routes.map(centre)
        // The centre with the most others near it (the newest on a tie) is where the athlete trains.
        var home = centres[centres.count - 1], bestNeighbours = -1
        for c in centres {
            let neighbours = centres.filter { Geo.haversine(c.0, c.1, $0.0, $0.1) <= areaRadiusM }.count
            if neighbours >= bestNeighbours { (home, bestNeighbours) = (c, neighbours) }
        }
        let kept = routes.filter { r in r.latitude.indices.contains { Geo.haversine(home.0, home.1, r.latitude[$0], r.longitude[$0]) <= areaRadiusM } }
        let projection = RouteProjection(latitude: kept.flatMap(\.latitude), longitude: kept.flatMap(\.longitude), size: size, tiles: tiles)
        let n = Int(size) / cell
        var counts = [Int](repeating: 0, count: n * n), lastRoute = [Int](repeating: -1, count: n * n)
        func mark(_ x: Double, _ y: Double, _ route: Int) {
            guard x.isFinite, y.isFinite, x >= 0, y >= 0, x < size, y < size else { return }
            let i = Int(y) / cell * n + Int(x) / cell
            if lastRoute[i] != route {
                lastRoute[i] = route
                counts[i] += 1
            }
        }
        for (k, route) in kept.enumerated() {
            var previous: (Double, Double)?
            for i in route.latitude.indices {
                let (x, y) = projection.point(route.latitude[i], route.longitude[i])
                if let (px, py) = previous {
                    let length = ((x - px) * (x - px) + (y - py) * (y - py)).squareRoot()
                    if length <= maxSegment {
                        let steps = min(maxStepsPerSegment, Int((length / (Double(cell) / 2)).rounded(.up)))
                        for s in 1 ..< max(1, steps) {
                            let f = Double(s) / Double(steps)
                            mark(px + (x - px) * f, py + (y - py) * f, k)
                        }
                    }
                }
                mark(x, y, k)
                previous = (x, y)
            }
        }
        let busiest = counts.max() ?? 0
        var paths = [[UInt8]](repeating: [], count: colours.count)
        for (i, c) in counts.enumerated() where c > 0 {
            let level = busiest <= 1 ? 2 : min(colours.count - 1, Int(log(Double(c)) / log(Double(busiest)) * Double(colours.count - 1) + 0.5))
            paths[level] += Array("M\((i % n) * cell) \((i / n) * cell)h\(cell)v\(cell)h-\(cell)z".utf8)
        }
        let title = "Heatmap of \(kept.count) route\(kept.count == 1 ? "" : "s")"
        var svg = "<svg class=\"chart route\" viewBox=\"0 0 \(Int(size)) \(Int(size))\" width=\"100%\" role=\"img\" aria-label=\"\(title)\">"
            + "<title>\(title)</title><desc>\(title): each square is coloured by how many of the routes pass through it, "
            + "from 1 (light) to \(busiest) (dark).</desc>" + projection.background
        for (level, d) in paths.enumerated() where !d.isEmpty {
            svg += "<path fill=\"\(colours[level])\" fill-opacity=\"0.85\" d=\"" + String(decoding: d, as: UTF8.self) + "\"/>"
        }
        svg += legend(busiest) + SVGChart.scaleBar(metresPerUnit: projection.metresPerUnit) + "</svg>"
        return Drawing(svg: svg, drawn: kept.count, elsewhere: routes.count - kept.count, busiestCell: busiest)
    }

    /// The colours from one route to the busiest cell's count, in the upper left corner.
    static func legend(_ busiest: Int) -> String {
        var s = "<g class=\"legend\"><rect x=\"6\" y=\"6\" width=\"\(busiest > 1 ? 150 : 90)\" height=\"18\" fill=\"#fff\" opacity=\"0.85\"/>"
        if busiest > 1 {
            for (i, colour) in colours.enumerated() {
                s += "<rect x=\"\(22 + i * 12)\" y=\"10\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            }
            s += "<text x=\"10\" y=\"19\" font-size=\"11\" fill=\"#1d2433\">1</text>"
                + "<text x=\"86\" y=\"19\" font-size=\"11\" fill=\"#1d2433\">\(busiest) routes</text>"
        } else {
            s += "<rect x=\"10\" y=\"10\" width=\"10\" height=\"10\" fill=\"\(colours[2])\"/>"
                + "<text x=\"24\" y=\"19\" font-size=\"11\" fill=\"#1d2433\">1 route</text>"
        }
        return s + "</g>"
    }

    /// The sketch's valid positions, at most `pointsPerExercise` of them (every k-th when the store gave more, as it
    /// may for an irregular recording); nil when none is valid.
    static func clean(_ sketch: RouteSketch) -> RouteSketch? {
        var out = RouteSketch(exerciseID: sketch.exerciseID, latitude: [], longitude: [])
        let count = min(sketch.latitude.count, sketch.longitude.count)
        let stride = max(1, (count + pointsPerExercise - 1) / pointsPerExercise)
        for i in Swift.stride(from: 0, to: count, by: stride) where SampleFilters.isValidPosition(sketch.latitude[i], sketch.longitude[i]) {
            out.latitude.append(sketch.latitude[i])
            out.longitude.append(sketch.longitude[i])
        }
        return out.latitude.isEmpty ? nil : out
    }

    static func centre(_ r: RouteSketch) -> (Double, Double) {
        let count = Double(r.latitude.count)
        return (r.latitude.reduce(0, +) / count, r.longitude.reduce(0, +) / count)
    }
}

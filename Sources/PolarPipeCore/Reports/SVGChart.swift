import Foundation

/// A linear scale from a data domain to pixels, with "nice" ticks (1, 2, 5 × 10ⁿ).
public struct LinearScale: Sendable, Equatable {
    public let domain: ClosedRange<Double>
    /// Pixel positions of the domain's lower and upper bounds (the start may exceed the end: y grows downwards).
    public let range: (start: Double, end: Double)

    public static func == (a: LinearScale, b: LinearScale) -> Bool { a.domain == b.domain && a.range == b.range }

    /// A scale whose domain covers `values` (and 0), widened to nice tick bounds.
    public init(covering values: [Double], range: (start: Double, end: Double), includeZero: Bool = true) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if high - low < 1e-9 { high = low + 1 }
        let step = LinearScale.niceStep((high - low) / 4)
        self.domain = (low / step).rounded(.down) * step ... (high / step).rounded(.up) * step
        self.range = range
    }

    public init(domain: ClosedRange<Double>, range: (start: Double, end: Double)) {
        self.domain = domain
        self.range = range
    }

    /// 1, 2 or 5 × 10ⁿ, the smallest not below `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * power >= raw * 0.999_999 { return m * power }
        return 10 * power
    }

    public func callAsFunction(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let f = span == 0 ? 0 : (v - domain.lowerBound) / span
        return range.start + f * (range.end - range.start)
    }

    /// Tick values at a nice step inside the domain.
    public var ticks: [Double] {
        let step = LinearScale.niceStep((domain.upperBound - domain.lowerBound) / 4)
        var result: [Double] = []
        var v = (domain.lowerBound / step).rounded(.up) * step
        while v <= domain.upperBound + step * 1e-9, result.count < 20 {
            result.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return result
    }
}

/// Small inline SVG charts for the reports: bars, lines and horizontal bars, with axes, ticks, labels, a title and
/// a text alternative, and an explicit empty state. Output is self-contained (no scripts, no external references);
/// every label is escaped.
public enum SVGChart {
    static let width = 640.0, height = 240.0
    static let left = 52.0, right = 12.0, top = 30.0, bottom = 34.0
    public static let palette = ["#d4002a", "#0b5cad", "#1a7f37", "#8250df", "#bf8700"]

    static func header(_ title: String, _ description: String, height h: Double = height) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" width=\"100%\" role=\"img\" "
            + "aria-label=\"\(HTML.escape(title))\">"
            + "<title>\(HTML.escape(title))</title><desc>\(HTML.escape(description))</desc>"
    }

    static func number(_ v: Double) -> String {
        if abs(v) >= 10_000 { return Format.fixed(v / 1000, digits: 0) + "k" }
        if v == v.rounded() { return Format.fixed(v, digits: 0) }
        return Format.fixed(v, digits: 1)
    }

    /// A coordinate with one decimal. Integer arithmetic: `String(format:)` costs microseconds per call on Linux,
    /// which adds up to seconds over thousands of route points.
    static func f(_ v: Double) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(v, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `v` with one decimal, as `f` writes it, to a byte buffer: long point lists (routes, profiles) are
    /// built as bytes and become one string at the end instead of several small strings per point.
    static func append(_ v: Double, to out: inout [UInt8]) {
        let scaled = (v * 10).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "."), UInt8(ascii: "0")])
            return
        }
        var i = Int(scaled)
        if i < 0 {
            out.append(UInt8(ascii: "-"))
            i = -i
        }
        let first = out.count
        var whole = i / 10
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(whole % 10))
            whole /= 10
        } while whole > 0
        out[first...].reverse()
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") + UInt8(i % 10))
    }

    static func empty(_ title: String) -> String {
        header(title, "No data yet.") + "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#f7f8fa\"/>"
            + "<text x=\"\(Int(width / 2))\" y=\"\(Int(height / 2))\" text-anchor=\"middle\" fill=\"#5b6475\" font-size=\"14\">No data yet</text></svg>"
    }

    /// The y axis with gridlines and tick labels, and x labels (at most about ten shown).
    static func axes(_ y: LinearScale, labels: [String], x: (Int) -> Double, unit: String) -> String {
        var s = ""
        for t in y.ticks {
            let py = y(t)
            s += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(py))\" y2=\"\(f(py))\" stroke=\"#e3e7ee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6475\">\(number(t))</text>"
        }
        s += "<text x=\"4\" y=\"12\" font-size=\"11\" fill=\"#5b6475\">\(HTML.escape(unit))</text>"
        let every = max(1, Int((Double(labels.count) / 8).rounded(.up)))
        for (i, label) in labels.enumerated() where i % every == 0 {
            s += "<text x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5b6475\">\(HTML.escape(label))</text>"
        }
        return s
    }

    /// Vertical bars, one per label.
    public static func bars(title: String, labels: [String], values: [Double], unit: String, color: String = palette[0]) -> String {
        guard !values.isEmpty, values.count == labels.count else { return empty(title) }
        let y = LinearScale(covering: values, range: (height - bottom, top))
        let slot = (width - left - right) / Double(values.count)
        let x = { (i: Int) in left + slot * (Double(i) + 0.5) }
        let description = "\(title): " + zip(labels, values).map { "\($0) \(number($1)) \(unit)" }.joined(separator: "; ")
        var s = header(title, description) + axes(y, labels: labels, x: x, unit: unit)
        for (i, v) in values.enumerated() {
            let top = min(y(v), y(0)), h = abs(y(v) - y(0))
            s += "<rect x=\"\(f(x(i) - slot * 0.4))\" y=\"\(f(top))\" width=\"\(f(slot * 0.8))\" height=\"\(f(h))\" fill=\"\(color)\">"
                + "<title>\(HTML.escape(labels[i])): \(number(v)) \(HTML.escape(unit))</title></rect>"
        }
        return s + "</svg>"
    }

    /// Lines sharing one x axis; a legend names each series.
    public static func lines(title: String, labels: [String], series: [(name: String, values: [Double])], unit: String,
                             includeZero: Bool = true) -> String {
        guard !labels.isEmpty, series.allSatisfy({ $0.values.count == labels.count }), !series.isEmpty else { return empty(title) }
        let y = LinearScale(covering: series.flatMap(\.values), range: (height - bottom, top), includeZero: includeZero)
        let step = labels.count > 1 ? (width - left - right) / Double(labels.count - 1) : 0
        let x = { (i: Int) in labels.count > 1 ? left + step * Double(i) : (left + width - right) / 2 }
        let description = "\(title), \(labels.first ?? "") to \(labels.last ?? ""): "
            + series.map { "\($0.name) last \(number($0.values.last ?? 0))" }.joined(separator: ", ")
        var s = header(title, description) + axes(y, labels: labels, x: x, unit: unit)
        for (k, line) in series.enumerated() {
            let color = palette[k % palette.count]
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.values.count * 14)
            for (i, v) in line.values.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: " ")) }
                append(x(i), to: &bytes)
                bytes.append(UInt8(ascii: ","))
                append(y(v), to: &bytes)
            }
            let points = String(decoding: bytes, as: UTF8.self)
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
            s += "<rect x=\"\(f(left + 60 + Double(k) * 110))\" y=\"3\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(left + 74 + Double(k) * 110))\" y=\"12\" font-size=\"11\" fill=\"#1d2433\">\(HTML.escape(line.name))</text>"
        }
        return s + "</svg>"
    }

    /// Horizontal bars with labels on the left (distributions such as HR zones or sports).
    public static func horizontalBars(title: String, labels: [String], values: [Double], unit: String) -> String {
        guard !values.isEmpty, values.count == labels.count, values.contains(where: { $0 > 0 }) else { return empty(title) }
        let rowHeight = 26.0
        let h = 10 + rowHeight * Double(values.count) + 8
        let scale = LinearScale(domain: 0 ... max(values.max() ?? 1, 1e-9), range: (130, width - 70))
        let description = "\(title): " + zip(labels, values).map { "\($0) \(number($1)) \(unit)" }.joined(separator: "; ")
        var s = header(title, description, height: h)
        for (i, v) in values.enumerated() {
            let yy = 10 + rowHeight * Double(i)
            let color = palette[i % palette.count]
            s += "<text x=\"124\" y=\"\(f(yy + 15))\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d2433\">\(HTML.escape(labels[i]))</text>"
            s += "<rect x=\"130\" y=\"\(f(yy + 3))\" width=\"\(f(max(1, scale(v) - 130)))\" height=\"18\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(scale(v) + 6))\" y=\"\(f(yy + 16))\" font-size=\"11\" fill=\"#5b6475\">\(number(v)) \(HTML.escape(unit))</text>"
        }
        return s + "</svg>"
    }

    /// A route drawn as one SVG path, projected equirectangularly around its mean latitude and fitted to the box.
    /// `lengthM` is the route's length when already known (the exercise's GPS distance); else it is computed.
    public static func route(title: String, latitude: [Double], longitude: [Double], lengthM: Double? = nil) -> String {
        guard latitude.count >= 2, latitude.count == longitude.count else { return empty(title) }
        let meanLat = latitude.reduce(0, +) / Double(latitude.count) * .pi / 180
        let xs = longitude.map { $0 * cos(meanLat) }, ys = latitude.map { -$0 }
        let (minX, maxX, minY, maxY) = (xs.min() ?? 0, xs.max() ?? 0, ys.min() ?? 0, ys.max() ?? 0)
        let span = max(maxX - minX, maxY - minY, 1e-9)
        let size = 300.0, pad = 10.0
        let scale = (size - 2 * pad) / span
        let offX = pad + ((size - 2 * pad) - (maxX - minX) * scale) / 2, offY = pad + ((size - 2 * pad) - (maxY - minY) * scale) / 2
        let stride = max(1, xs.count / 1500)
        var bytes: [UInt8] = []
        bytes.reserveCapacity((xs.count / stride + 1) * 14)
        for i in Swift.stride(from: 0, to: xs.count, by: stride) {
            bytes.append(bytes.isEmpty ? UInt8(ascii: "M") : UInt8(ascii: "L"))
            append(offX + (xs[i] - minX) * scale, to: &bytes)
            bytes.append(UInt8(ascii: " "))
            append(offY + (ys[i] - minY) * scale, to: &bytes)
        }
        let d = String(decoding: bytes, as: UTF8.self)
        let km = (lengthM ?? Geo.pathLength(latitude: latitude, longitude: longitude) ?? 0) / 1000
        return "<svg class=\"chart route\" viewBox=\"0 0 300 300\" width=\"100%\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
            + "<title>\(HTML.escape(title))</title><desc>Route of \(latitude.count) GPS points, \(Format.fixed(km, digits: 2)) km.</desc>"
            + "<rect width=\"300\" height=\"300\" fill=\"#f7f8fa\"/>"
            + "<path d=\"\(d)\" fill=\"none\" stroke=\"#d4002a\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
            + "<circle cx=\"\(f(offX + (xs[0] - minX) * scale))\" cy=\"\(f(offY + (ys[0] - minY) * scale))\" r=\"4\" fill=\"#1a7f37\"><title>start</title></circle>"
            + "<circle cx=\"\(f(offX + (xs[xs.count - 1] - minX) * scale))\" cy=\"\(f(offY + (ys[ys.count - 1] - minY) * scale))\" r=\"4\" fill=\"#1d2433\"><title>finish</title></circle></svg>"
    }

    /// Bucket averages: at most `n` points of a series, for profiles.
    public static func downsample(_ s: SampleSeries, to n: Int) -> SampleSeries {
        guard s.count > n, n > 0 else { return s }
        var out = SampleSeries()
        let size = Double(s.count) / Double(n)
        for b in 0 ..< n {
            let lo = Int(Double(b) * size), hi = min(s.count, Int(Double(b + 1) * size))
            guard hi > lo else { continue }
            out.append(s.t[lo], s.value[lo ..< hi].reduce(0, +) / Double(hi - lo))
        }
        return out
    }
}

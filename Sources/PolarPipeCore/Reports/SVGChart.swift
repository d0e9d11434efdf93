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

    /// A tick's label with the decimals its axis's step needs, so that no two ticks read the same (steps of 0.05 h:
    /// "0.05 0.10 0.15", not "0.1 0.1 0.2"); whole numbers as `number` writes them.
    static func tickLabel(_ v: Double, step: Double) -> String {
        if v == 0 || abs(v) >= 10_000 || (step >= 1 && v == v.rounded()) { return number(v) }
        let digits = step > 0 && step.isFinite ? min(4, max(1, Int((-log10(step)).rounded(.up)))) : 1
        return Format.fixed(v, digits: digits)
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

    /// The chart's place when there is nothing to draw, saying why (`message`, one short sentence).
    static func empty(_ title: String, _ message: String = "No data yet") -> String {
        header(title, message + ".", height: 90) + "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"90\" fill=\"#f7f8fa\"/>"
            + "<text x=\"\(Int(width / 2))\" y=\"50\" text-anchor=\"middle\" fill=\"#5b6475\" font-size=\"14\">\(HTML.escape(message))</text></svg>"
    }

    /// The y axis with gridlines and tick labels, its unit, and x labels: `axisLabels` where given (an empty one draws
    /// nothing), else about eight of `labels`. Every other drawn x label is `minor`: narrow pages hide it (their chart
    /// text is larger).
    static func axes(_ y: LinearScale, labels: [String], axisLabels: [String]? = nil, x: (Int) -> Double, unit: String) -> String {
        var s = ""
        let ticks = y.ticks
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            let py = y(t)
            s += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(py))\" y2=\"\(f(py))\" stroke=\"#e3e7ee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6475\">\(tickLabel(t, step: step))</text>"
        }
        s += "<text x=\"4\" y=\"16\" font-size=\"11\" fill=\"#5b6475\">\(HTML.escape(unit))</text>"
        let every = max(1, Int((Double(labels.count) / 8).rounded(.up)))
        let shown = axisLabels.map { $0.count == labels.count ? $0 : [] }
            ?? labels.enumerated().map { $0.offset % every == 0 ? $0.element : "" }
        var drawn = 0
        for (i, label) in shown.enumerated() where !label.isEmpty {
            let minor = drawn % 2 == 1 ? " class=\"x minor\"" : " class=\"x\""
            drawn += 1
            s += "<text\(minor) x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5b6475\">\(HTML.escape(label))</text>"
        }
        return s
    }

    /// Lines over elapsed time: point i of every series lies at `times[i]` seconds on a real time axis (a pause or a
    /// gap in the samples keeps its width), labelled at round times — every 1, 2, 5, 10, 15 or 30 s, 1, 2, 5, 10, 15,
    /// 20 or 30 min, or 1, 2, 3, 6 or 12 h, whichever gives at most seven labels ("0:00 20:00 40:00 1:00:00").
    public static func timeLines(title: String, times: [Double], series: [(name: String, values: [Double])], unit: String,
                                 includeZero: Bool = true, emptyMessage: String = "No data yet") -> String {
        guard let first = times.first, let last = times.last, first.isFinite, last.isFinite, !series.isEmpty,
              series.allSatisfy({ $0.values.count == times.count }) else { return empty(title, emptyMessage) }
        let span = max(1, last - first)
        let scale = LinearScale(domain: first ... first + span, range: (left, width - right))
        let y = LinearScale(covering: series.flatMap(\.values), range: (height - bottom, top), includeZero: includeZero)
        let description = "\(title), \(Format.clock(max(0, first))) to \(Format.clock(max(0, last))): "
            + series.map { "\($0.name) last \(number($0.values.last ?? 0))" }.joined(separator: ", ")
        var s = header(title, description) + axes(y, labels: [], axisLabels: [], x: { _ in 0 }, unit: unit)
        let step = clockStep(span)
        var tick = (first / step).rounded(.up) * step, drawn = 0
        while tick <= first + span + 1e-9, drawn < 12 {
            let minor = drawn % 2 == 1 ? " class=\"x minor\"" : " class=\"x\""
            s += "<text\(minor) x=\"\(f(scale(tick)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#5b6475\">\(Format.clock(max(0, tick)))</text>"
            drawn += 1
            tick += step
        }
        let x = { (i: Int) in times[i].isFinite ? scale(min(max(times[i], first), first + span)) : nil }
        return s + polylines(series, x: x, y: y) + "</svg>"
    }

    /// One polyline per series, with its legend: point i at (`x(i)`, `y(value)`); a point whose x is nil or whose
    /// value is not finite is left out.
    static func polylines(_ series: [(name: String, values: [Double])], x: (Int) -> Double?, y: LinearScale) -> String {
        var s = ""
        for (k, line) in series.enumerated() {
            let color = palette[k % palette.count]
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.values.count * 14)
            for (i, v) in line.values.enumerated() where v.isFinite {
                guard let px = x(i) else { continue }
                if !bytes.isEmpty { bytes.append(UInt8(ascii: " ")) }
                append(px, to: &bytes)
                bytes.append(UInt8(ascii: ","))
                append(y(v), to: &bytes)
            }
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(String(decoding: bytes, as: UTF8.self))\"/>"
            s += legend(k, line.name, color)
        }
        return s
    }

    /// The round step, s, of a time axis over `span` seconds: the smallest that gives at most seven labels.
    static func clockStep(_ span: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400]
        return steps.first { span / $0 <= 6 } ?? (span / 6 / 86_400).rounded(.up) * 86_400
    }

    /// Vertical bars, one per label; `axisLabels` (one per bar, empty for none) replaces the automatic x labels,
    /// e.g. a month name at the first week of each month. `emptyMessage` says why an empty chart is empty.
    public static func bars(title: String, labels: [String], values: [Double], unit: String, color: String = palette[0],
                            axisLabels: [String]? = nil, emptyMessage: String = "No data yet") -> String {
        guard !values.isEmpty, values.count == labels.count else { return empty(title, emptyMessage) }
        let y = LinearScale(covering: values, range: (height - bottom, top))
        let slot = (width - left - right) / Double(values.count)
        let x = { (i: Int) in left + slot * (Double(i) + 0.5) }
        let description = "\(title): " + zip(labels, values).map { "\($0) \(number($1)) \(unit)" }.joined(separator: "; ")
        var s = header(title, description) + axes(y, labels: labels, axisLabels: axisLabels, x: x, unit: unit)
        for (i, v) in values.enumerated() {
            let top = min(y(v), y(0)), h = abs(y(v) - y(0))
            s += "<rect x=\"\(f(x(i) - slot * 0.4))\" y=\"\(f(top))\" width=\"\(f(slot * 0.8))\" height=\"\(f(h))\" fill=\"\(color)\">"
                + "<title>\(HTML.escape(labels[i])): \(number(v)) \(HTML.escape(unit))</title></rect>"
        }
        return s + "</svg>"
    }

    /// Lines sharing one x axis; a legend names each series.
    public static func lines(title: String, labels: [String], axisLabels: [String]? = nil, series: [(name: String, values: [Double])],
                             unit: String, includeZero: Bool = true, emptyMessage: String = "No data yet") -> String {
        guard !labels.isEmpty, series.allSatisfy({ $0.values.count == labels.count }), !series.isEmpty else { return empty(title, emptyMessage) }
        let y = LinearScale(covering: series.flatMap(\.values), range: (height - bottom, top), includeZero: includeZero)
        let step = labels.count > 1 ? (width - left - right) / Double(labels.count - 1) : 0
        let x = { (i: Int) in labels.count > 1 ? left + step * Double(i) : (left + width - right) / 2 }
        let description = "\(title), \(labels.first ?? "") to \(labels.last ?? ""): "
            + series.map { "\($0.name) last \(number($0.values.last ?? 0))" }.joined(separator: ", ")
        return header(title, description) + axes(y, labels: labels, axisLabels: axisLabels, x: x, unit: unit)
            + polylines(series, x: x, y: y) + "</svg>"
    }

    /// A legend entry (a colour box and a name) at the top of a chart, the `k`-th from the left.
    static func legend(_ k: Int, _ name: String, _ color: String) -> String {
        "<rect x=\"\(f(left + 90 + Double(k) * 130))\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            + "<text x=\"\(f(left + 106 + Double(k) * 130))\" y=\"16\" font-size=\"11\" fill=\"#1d2433\">\(HTML.escape(name))</text>"
    }

    /// Bars in groups: for each label one bar per series side by side (this year against last year by month).
    public static func groupedBars(title: String, labels: [String], series: [(name: String, values: [Double])], unit: String,
                                   emptyMessage: String = "No data yet") -> String {
        guard !labels.isEmpty, !series.isEmpty, series.allSatisfy({ $0.values.count == labels.count }),
              series.contains(where: { $0.values.contains { $0 > 0 } }) else { return empty(title, emptyMessage) }
        let y = LinearScale(covering: series.flatMap(\.values), range: (height - bottom, top))
        let slot = (width - left - right) / Double(labels.count)
        let x = { (i: Int) in left + slot * (Double(i) + 0.5) }
        let bar = slot * 0.8 / Double(series.count)
        let description = "\(title): " + series.map { line in
            line.name + " " + zip(labels, line.values).map { "\($0) \(number($1))" }.joined(separator: ", ") + " \(unit)"
        }.joined(separator: "; ")
        var s = header(title, description) + axes(y, labels: labels, axisLabels: labels, x: x, unit: unit)
        for (k, line) in series.enumerated() {
            let color = palette[k % palette.count]
            for (i, v) in line.values.enumerated() {
                let top = min(y(v), y(0)), h = abs(y(v) - y(0))
                s += "<rect x=\"\(f(x(i) - slot * 0.4 + bar * Double(k)))\" y=\"\(f(top))\" width=\"\(f(bar))\" height=\"\(f(h))\" fill=\"\(color)\">"
                    + "<title>\(HTML.escape(line.name)) \(HTML.escape(labels[i])): \(number(v)) \(HTML.escape(unit))</title></rect>"
            }
            s += legend(k, line.name, color)
        }
        return s + "</svg>"
    }

    /// Horizontal bars with labels on the left (distributions such as HR zones or sports). The label column is as
    /// wide as the longest label needs at the larger text of narrow pages (up to a third of the chart).
    public static func horizontalBars(title: String, labels: [String], values: [Double], unit: String,
                                      emptyMessage: String = "No data yet") -> String {
        guard !values.isEmpty, values.count == labels.count, values.contains(where: { $0 > 0 }) else { return empty(title, emptyMessage) }
        let rowHeight = 30.0
        let h = 10 + rowHeight * Double(values.count) + 8
        let labelWidth = min(width / 3, max(60, Double(labels.map(\.count).max() ?? 0) * 10.5))
        let start = labelWidth + 8
        let scale = LinearScale(domain: 0 ... max(values.max() ?? 1, 1e-9), range: (start, width - 110))
        let description = "\(title): " + zip(labels, values).map { "\($0) \(number($1)) \(unit)" }.joined(separator: "; ")
        var s = header(title, description, height: h)
        for (i, v) in values.enumerated() {
            let yy = 10 + rowHeight * Double(i)
            let color = palette[i % palette.count]
            s += "<text x=\"\(f(labelWidth))\" y=\"\(f(yy + 17))\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d2433\">\(HTML.escape(labels[i]))</text>"
            s += "<rect x=\"\(f(start))\" y=\"\(f(yy + 3))\" width=\"\(f(max(1, scale(v) - start)))\" height=\"20\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(scale(v) + 6))\" y=\"\(f(yy + 18))\" font-size=\"11\" fill=\"#5b6475\">\(number(v)) \(HTML.escape(unit))</text>"
        }
        return s + "</svg>"
    }

    /// A route drawn as one SVG path with kilometre markers and a scale bar, projected by `RouteProjection` (on the
    /// tile server's images when `tiles` is given, else on a plain background and nothing is fetched).
    /// `lengthM` is the route's length when already known (the exercise's GPS distance); else it is computed.
    public static func route(title: String, latitude: [Double], longitude: [Double], lengthM: Double? = nil, tiles: MapTiles? = nil) -> String {
        guard latitude.count >= 2, latitude.count == longitude.count else { return empty(title) }
        let projection = RouteProjection(latitude: latitude, longitude: longitude, tiles: tiles)
        let point = { (i: Int) in projection.point(latitude[i], longitude[i]) }
        let metresPerUnit = projection.metresPerUnit
        let background = projection.background
        let stride = max(1, latitude.count / 1500)
        var bytes: [UInt8] = []
        bytes.reserveCapacity((latitude.count / stride + 1) * 14)
        for i in Swift.stride(from: 0, to: latitude.count, by: stride) {
            let (x, y) = point(i)
            bytes.append(bytes.isEmpty ? UInt8(ascii: "M") : UInt8(ascii: "L"))
            append(x, to: &bytes)
            bytes.append(UInt8(ascii: " "))
            append(y, to: &bytes)
        }
        let d = String(decoding: bytes, as: UTF8.self)
        let km = (lengthM ?? Geo.pathLength(latitude: latitude, longitude: longitude) ?? 0) / 1000
        let (startX, startY) = point(0), (endX, endY) = point(latitude.count - 1)
        return "<svg class=\"chart route\" viewBox=\"0 0 300 300\" width=\"100%\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
            + "<title>\(HTML.escape(title))</title><desc>Route of \(latitude.count) GPS points, \(Format.fixed(km, digits: 2)) km.</desc>"
            + background
            + "<path d=\"\(d)\" fill=\"none\" stroke=\"#d4002a\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
            + kilometreMarkers(latitude: latitude, longitude: longitude, point: point)
            + scaleBar(metresPerUnit: metresPerUnit)
            + "<circle cx=\"\(f(startX))\" cy=\"\(f(startY))\" r=\"4\" fill=\"#1a7f37\"><title>start</title></circle>"
            + "<circle cx=\"\(f(endX))\" cy=\"\(f(endY))\" r=\"4\" fill=\"#1d2433\"><title>finish</title></circle></svg>"
    }

    /// A dot with its number at each whole kilometre along the route (every 5 or 10 km on long routes, so there are
    /// at most about 20 markers).
    static func kilometreMarkers(latitude: [Double], longitude: [Double], point: (Int) -> (Double, Double)) -> String {
        let total = Geo.pathLength(latitude: latitude, longitude: longitude) ?? 0
        guard total >= 1000, total.isFinite else { return "" }
        let step = total <= 20_000 ? 1000.0 : total <= 100_000 ? 5000.0 : LinearScale.niceStep(total / 20)
        var s = "", covered = 0.0, next = step
        for i in 1 ..< latitude.count {
            covered += Geo.haversine(latitude[i - 1], longitude[i - 1], latitude[i], longitude[i])
            guard covered >= next else { continue }
            let (x, y) = point(i)
            let label = number(next / 1000)
            s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3\" fill=\"#fff\" stroke=\"#1d2433\"><title>km \(label)</title></circle>"
                + "<text x=\"\(f(min(x + 5, 284)))\" y=\"\(f(max(y - 4, 12)))\" font-size=\"11\" fill=\"#1d2433\">\(label)</text>"
            while next <= covered { next += step }
        }
        return s
    }

    /// A scale bar in the lower left corner: the longest round length (1, 2 or 5 × 10ⁿ m) up to 80 units of the box.
    static func scaleBar(metresPerUnit: Double) -> String {
        guard metresPerUnit.isFinite, metresPerUnit > 0, metresPerUnit < 1e7 else { return "" }
        let raw = metresPerUnit * 80
        let power = pow(10, log10(raw).rounded(.down))
        let metres = ([5.0, 2, 1].first { $0 * power <= raw * 1.000_001 } ?? 1) * power
        let length = metres / metresPerUnit
        let label = metres >= 1000 ? number(metres / 1000) + " km" : number(metres) + " m"
        return "<g class=\"scale\"><rect x=\"8\" y=\"276\" width=\"\(f(length + 8))\" height=\"18\" fill=\"#fff\" opacity=\"0.8\"/>"
            + "<path d=\"M12 288 V292 H\(f(12 + length)) V288\" fill=\"none\" stroke=\"#1d2433\" stroke-width=\"1.5\"/>"
            + "<text x=\"14\" y=\"287\" font-size=\"11\" fill=\"#1d2433\">\(label)</text></g>"
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

import Foundation
import Testing
@testable import PolarPipeCore

@Suite struct SVGChartTests {
    @Test func scalesHaveNiceTicksAndMapTheDomain() {
        let y = LinearScale(covering: [3, 17.5], range: (200, 0))
        #expect(y.domain == 0 ... 20)
        #expect(y.ticks == [0, 5, 10, 15, 20])
        #expect(y(0) == 200 && y(20) == 0 && y(10) == 100)
        #expect(LinearScale.niceStep(0.3) == 0.5 && LinearScale.niceStep(7) == 10 && LinearScale.niceStep(1200) == 2000)
        let negative = LinearScale(covering: [-13.2, 16.7], range: (0, 1))
        #expect(negative.domain == -20 ... 20)
        #expect(LinearScale(covering: [], range: (0, 1)).domain == 0 ... 1)
    }

    @Test func barsHaveATitleATextAlternativeAxesAndOneBarPerValue() {
        let svg = SVGChart.bars(title: "Distance per week", labels: ["W01", "W02", "W03"], values: [10, 0, 25.5], unit: "km")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("<title>Distance per week</title>"))
        #expect(svg.contains("<desc>Distance per week: W01 10 km; W02 0 km; W03 25.5 km</desc>"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 3)
        #expect(svg.contains(">W01</text>") && svg.contains(">30</text>"))  // x label, top tick
        #expect(!svg.contains("http"))
    }

    /// A ten-minute session in hours: ticks every 0.05 h, each label different (not "0.1 0.1 0.2 0.2").
    @Test func smallValuesGetTickLabelsWithTheDecimalsTheirStepNeeds() {
        let svg = SVGChart.bars(title: "Hours per week", labels: ["W07", "W08"], values: [0, 0.17], unit: "h")
        let labels = svg.components(separatedBy: "text-anchor=\"end\" font-size=\"11\" fill=\"#5b6475\">").dropFirst()
            .map { String($0.prefix { $0 != "<" }) }
        #expect(labels == ["0", "0.05", "0.10", "0.15", "0.20"])
        #expect(SVGChart.tickLabel(2.5, step: 0.5) == "2.5" && SVGChart.tickLabel(20, step: 5) == "20"
                && SVGChart.tickLabel(15_000, step: 5_000) == "15k" && SVGChart.tickLabel(0.002, step: 0.001) == "0.002")
    }

    /// A 2 h 17 min session: time labels every 30 min at their times (not every 240th of the points: "17:10 34:20"),
    /// and a gap in the samples keeps its width.
    @Test func timeLinesPutRoundTimesWhereTheyAre() {
        let times = (0 ..< 240).map { Double($0) * 8_230 / 239 }
        let svg = SVGChart.timeLines(title: "Heart rate by elapsed time", times: times, series: [("heart rate", times.map { 120 + $0 / 600 })],
                                     unit: "bpm", includeZero: false)
        let labels = svg.components(separatedBy: "fill=\"#5b6475\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
            .filter { $0.contains(":") }
        #expect(labels == ["0:00", "30:00", "1:00:00", "1:30:00", "2:00:00"])
        #expect(svg.contains("<desc>Heart rate by elapsed time, 0:00 to 2:17:10: heart rate last 133.7</desc>"))
        #expect(SVGChart.clockStep(600) == 120 && SVGChart.clockStep(45) == 10 && SVGChart.clockStep(30 * 3600) == 21_600)
        // A 1 h gap between the second and third points: the third lies at three quarters of the width, not at two thirds.
        let gap = SVGChart.timeLines(title: "t", times: [0, 1800, 5400, 7200], series: [("a", [1, 2, 3, 4])], unit: "")
        let xs = gap.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }.split(separator: " ").map { Double($0.split(separator: ",")[0])! }
        #expect(abs((xs[2] - xs[0]) / (xs[3] - xs[0]) - 0.75) < 0.001)
        #expect(SVGChart.timeLines(title: "t", times: [], series: [("a", [])], unit: "").contains("No data yet"))
    }

    @Test func emptyDataSaysSo() {
        for svg in [SVGChart.bars(title: "t", labels: [], values: [], unit: "km"),
                    SVGChart.lines(title: "t", labels: [], series: [("a", [])], unit: ""),
                    SVGChart.horizontalBars(title: "t", labels: ["Z1"], values: [0], unit: "min")] {
            #expect(svg.contains("No data yet"))
            #expect(svg.contains("<desc>No data yet.</desc>"))
        }
    }

    @Test func labelsAreEscaped() {
        let svg = SVGChart.horizontalBars(title: "<b>", labels: ["<script>alert(1)</script>"], values: [1], unit: "&")
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("&lt;b&gt;") && svg.contains("&amp;"))
    }

    @Test func linesDrawOnePolylinePerSeriesWithALegend() {
        let svg = SVGChart.lines(title: "Load", labels: ["a", "b", "c"], series: [("fitness", [1, 2, 3]), ("form", [-1, 0, 1])], unit: "TRIMP")
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains(">fitness</text>") && svg.contains(">form</text>"))
    }

    /// A 3 km loop of points 10 m apart, going north from 60° N then east then back south.
    static func loop() -> (latitude: [Double], longitude: [Double]) {
        let dLat = 10 / 111_195.0, dLon = 10 / (111_195.0 * cos(60 * Double.pi / 180))
        var lat: [Double] = [], lon: [Double] = []
        for i in 0 ..< 100 { lat.append(60 + Double(i) * dLat); lon.append(24) }
        for i in 0 ..< 100 { lat.append(60 + 100 * dLat); lon.append(24 + Double(i) * dLon) }
        for i in 0 ..< 100 { lat.append(60 + Double(100 - i) * dLat); lon.append(24 + 100 * dLon) }
        return (lat, lon)
    }

    @Test func routesHaveKilometreMarkersAndARoundScaleBarAndFetchNothingByDefault() {
        let (lat, lon) = Self.loop()
        let svg = SVGChart.route(title: "Route", latitude: lat, longitude: lon)
        #expect(svg.contains("<title>km 1</title>") && svg.contains("<title>km 2</title>") && !svg.contains("<title>km 3</title>"))
        // The route spans 1 km: a scale bar of a round length about a fifth of the box.
        #expect(svg.contains(">200 m</text>"), "\(svg.suffix(600))")
        #expect(!svg.contains("<image") && !svg.contains("http"))
    }

    @Test func aConfiguredTileServerDrawsTheRouteOnItsTiles() throws {
        #expect(MapTiles(template: "https://tile.example.org/{z}/{x}/{y}.png") != nil)
        #expect(MapTiles(template: "https://tile.example.org/{z}/{x}.png") == nil && MapTiles(template: "file:///{z}/{x}/{y}") == nil)
        let tiles = try #require(MapTiles(template: "https://tile.example.org/{z}/{x}/{y}.png?k=a&b"))
        let (lat, lon) = Self.loop()
        let svg = SVGChart.route(title: "Route", latitude: lat, longitude: lon, tiles: tiles)
        let images = svg.components(separatedBy: "<image ").count - 1
        #expect((1 ... 9).contains(images))
        // 1 km at 60° N is 418 px at zoom 15 and 209 px at zoom 14, which fits; the start's tile is drawn, its URL escaped.
        let n = 1 << 14
        let x = Int((24.0 + 180) / 360 * Double(n)), y = Int((1 - asinh(tan(60 * Double.pi / 180)) / .pi) / 2 * Double(n))
        #expect(svg.contains("href=\"https://tile.example.org/14/\(x)/\(y).png?k=a&amp;b\""), "\(svg.prefix(900))")
        #expect(svg.contains("map: tile.example.org") && svg.contains("<title>km 1</title>"))
    }

    @Test func groupedBarsDrawOneBarPerMonthAndSeries() {
        let svg = SVGChart.groupedBars(title: "Per month", labels: ["Jan", "Feb"], series: [("2024", [1, 2]), ("2025", [3, 0])], unit: "h")
        #expect(svg.components(separatedBy: "<rect").count - 1 == 4 + 2)  // four bars, two legend boxes
        #expect(svg.contains(">2024</text>") && svg.contains(">Jan</text>") && svg.contains("<title>2025 Jan: 3 h</title>"))
        #expect(SVGChart.groupedBars(title: "t", labels: ["Jan"], series: [("2025", [0])], unit: "h", emptyMessage: "Nothing in 2025")
            .contains(">Nothing in 2025</text>"))
    }
}

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
}

extension ReportWriter {
    /// What the power sections say when there is power but no FTP to relate it to.
    static let ftpNote = "Intensity factor, TSS and power zones need your FTP (functional threshold power): polarpipe "
        + "takes it from the session's or your Polar account's physical information. Set it in your Polar account and "
        + "export again to see them."

    /// Zone labels of the seven power zones (% of FTP, `PowerStatistics.zoneBounds`).
    static let powerZoneLabels = ["Z1 < 55 %", "Z2 55–75 %", "Z3 75–90 %", "Z4 90–105 %", "Z5 105–120 %", "Z6 120–150 %", "Z7 150 %+"]

    /// An exercise's power: averages, normalized power, IF and TSS, best efforts, power over time and time in power
    /// zones. A ride without power says so in one sentence; other sports without power show nothing.
    static func powerSection(_ page: ExercisePage) -> String {
        let e = page.exercise, st = page.stats
        guard let p = st?.power, p.avgW != nil else {
            return SportKind(sport: e.sport) == .cycling
                ? "<section><h2>Power</h2>" + HTML.note("No power samples: this ride was recorded without a power meter.") + "</section>"
                : ""
        }
        var cards: [(label: String, value: String)] = [("average power", Format.watts(p.avgW)), ("max power", Format.watts(p.maxW))]
        if let np = p.normalizedW { cards.append(("normalized power", Format.watts(np))) }
        if let intensity = p.intensityFactor { cards.append(("intensity factor", Format.number(intensity, digits: 2))) }
        if let tss = p.tss { cards.append(("TSS", Format.number(tss, digits: 0))) }
        for (label, value) in [("best 5 s", p.best5sW), ("best 1 min", p.best1minW), ("best 5 min", p.best5minW), ("best 20 min", p.best20minW)] {
            if let value { cards.append((label, Format.watts(value))) }
        }
        var s = "<section><h2>Power</h2>" + HTML.cards(cards)
        let samples = SamplePlausibility.within(page.samples.power, PowerStatistics.powerW)
        if samples.count >= 2 {
            let power = SVGChart.downsample(samples, to: 240)
            s += SVGChart.timeLines(title: "Power by elapsed time (averaged per point)", times: power.t,
                                series: [("power", power.value)], unit: "W")
        }
        if let zones = p.zonesS, zones.count == powerZoneLabels.count {
            let ftp = st?.profile?.ftpW.map { " of FTP " + Format.watts($0) } ?? " of FTP"
            s += SVGChart.horizontalBars(title: "Time in power zones (%\(ftp))", labels: powerZoneLabels, values: zones.map { $0 / 60 }, unit: "min")
        } else {
            s += HTML.note(ftpNote)
        }
        return s + "</section>"
    }
}

extension Format {
    /// A power, `245 W`.
    public static func watts(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return fixed(v, digits: 0) + " W"
    }
}

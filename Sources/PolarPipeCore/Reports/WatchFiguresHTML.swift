extension ReportWriter {
    /// The watch's own figures beside polarpipe's, where they differ or polarpipe has none, one line each:
    /// "Ascent · watch: 412 m · polarpipe: 398 m". Empty when the file said nothing of the kind.
    static func watchSection(_ watch: WatchFigures, _ e: ExerciseRecord, _ st: ExerciseStatistics?) -> String {
        var rows: [[HTML.Cell]] = []
        func row(_ what: String, _ watch: String, _ mine: String?) {
            rows.append([.text(what), .text("watch: " + watch + (mine.map { " · polarpipe: " + $0 } ?? ""))])
        }
        func metres(_ v: Double?) -> String { v.map { Format.number($0, digits: 0) + " m" } ?? "–" }
        /// A row when the watch has the value and polarpipe's differs once both are shown rounded.
        func compare(_ what: String, _ mine: Double?, _ theirs: Double?, _ show: (Double?) -> String) {
            guard let theirs else { return }
            let (a, b) = (show(theirs), show(mine))
            if a != b { row(what, a, b) }
        }
        compare("Ascent", st?.elevationGainM, watch.ascentM, metres)
        compare("Descent", st?.elevationLossM, watch.descentM, metres)
        compare("HR avg", st?.hrAvg, watch.hrAvg, Format.bpm)
        compare("HR max", st?.hrMax, watch.hrMax, Format.bpm)
        if let calories = e.calories, calories > 0 {
            row("Calories", Format.number(calories, digits: 0) + " kcal", "not computed")
        }
        if let load = watch.cardioLoad {
            let trimp = (st?.hrSamples ?? 0) > 0 ? st?.trimp.map { "TRIMP " + Format.number($0, digits: 0) } : nil
            row("Cardio load", Format.number(load) + (watch.cardioLoadInterpretation.map { " (\($0))" } ?? ""), trimp ?? "no TRIMP")
        }
        if let v = watch.muscleLoad { row("Muscle load", Format.number(v, digits: 0), nil) }
        if let v = watch.perceivedLoad { row("Perceived load", Format.number(v, digits: 0), nil) }
        if let v = watch.runningIndex { row("Running index", Format.number(v, digits: 0), nil) }
        guard !rows.isEmpty else { return "" }
        return "<section><h2>Watch and polarpipe</h2><p class=\"muted\">What the watch recorded beside what polarpipe computed "
            + "from the samples, where they differ or only the watch has a figure.</p>"
            + HTML.table([("Figure", false), ("Watch · polarpipe", false)], rows) + "</section>"
    }
}

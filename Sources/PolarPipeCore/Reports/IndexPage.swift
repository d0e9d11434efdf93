import Foundation

extension ReportWriter {
    public static func indexPage(_ data: ReportData) -> String {
        let g = data.global
        var body = "<section><h2>Totals</h2>" + HTML.cards([
            ("users", "\(g.totalUsers)"), ("exercises", "\(g.totalExercises)"),
            ("distance", Format.km(g.totalDistanceM)), ("duration", Format.duration(g.totalDurationS)),
            ("calories", Format.number(g.totalCalories, digits: 0) + " kcal"), ("HR samples", "\(g.totalHRSamples)"),
            ("GPS points", "\(g.totalGPSPoints)"), ("last 7 days", "\(g.exercisesLast7d) (prev. \(g.exercisesPrev7d))"),
        ]) + "</section>"
        body += weeklyTrend(data.weekly)
        let sports = g.sportDistribution
        body += "<section><h2>Sports</h2>" + (sports.isEmpty ? HTML.note("No exercise loaded yet.") : SVGChart.horizontalBars(
            title: "Exercises per sport", labels: sports.map { SportNames.displayName($0.sport) },
            values: sports.map { Double($0.exercises) }, unit: "")) + "</section>"
        body += "<section><h2>Users</h2>" + (data.users.isEmpty ? HTML.note(emptyWorkspaceNote) : HTML.table(
            [("User", false), ("Exercises", true), ("Distance", true), ("Duration", true), ("Avg HR", true), ("Most common sport", false),
             ("Last exercise", false)],
            data.users.map { user, s in
                [.html("<a href=\"users/\(HTML.hrefComponent(pageName(user.userKey))).html\">\(HTML.escape(user.userKey))</a>"),
                 .text("\(s?.totalExercises ?? 0)"), .text(Format.km(s?.totalDistanceM)), .text(Format.duration(s?.totalDurationS)),
                 .text(Format.bpm(s?.avgHR)), .text(s?.mostCommonSport.map(SportNames.displayName) ?? "–"),
                 .text(Format.date(s?.lastExerciseAtMillis))]
            })) + "</section>"
        body += "<section><h2>Latest runs</h2>" + (data.runs.isEmpty ? HTML.note("No pipeline run yet.") : HTML.table(
            [("Run", false), ("State", false), ("Started (UTC)", false), ("Ended (UTC)", false), ("Tasks", false)],
            data.runs.map { run, tasks in
                let summaries = TaskSummary.of(tasks).values
                let ok = summaries.filter { $0.state == .success || $0.state == .skipped }.count
                let shards = summaries.compactMap(\.mappedInstances).max().map { " · mapped over \($0) shard\($0 == 1 ? "" : "s")" } ?? ""
                return [.text(run.runID), .html("<span class=\"state-\(run.state.rawValue)\">\(run.state.rawValue)</span>"),
                        .text(Format.utc(run.startedAt)), .text(Format.utc(run.endedAt)), .text("\(ok)/\(summaries.count) done" + shards)]
            })) + "</section>"
        body += ImportReportHTML.section(data.imports)
        return HTML.page(title: "polarpipe — training overview",
                         subtitle: "Generated \(Format.utc(data.generatedAt)) · exercise times are the watch's local time", body: body)
    }

    /// What the dashboard says before anything was loaded.
    static let emptyWorkspaceNote = "Nothing loaded yet: put Polar export files (or a zipped account export) into the "
        + "workspace's inbox/ folder, one folder per athlete, and run `polarpipe run`."

    /// The weekly trend of all users: the last 52 weeks up to the newest week with exercises, empty weeks drawn,
    /// then the same weeks as a table (oldest first, as in the charts) and one row per year.
    static func weeklyTrend(_ weekly: [WeeklyTotals]) -> String {
        guard let last = weekly.map(\.monday).max() else {
            return "<section><h2>Weekly trend</h2>" + HTML.note("No week with exercises yet.") + "</section>"
        }
        let weeks = CalendarSeries.weeks(weekly, endingAt: last, count: CalendarSeries.windowWeeks(weekly, endingAt: last))
        let labels = weeks.map(\.label), axis = CalendarSeries.axisLabels(weeks)
        let span = "\(CalendarSeries.dayName(weeks[0].monday)) – \(CalendarSeries.dayName(last + 6))"
        var s = "<section><h2>Weekly trend</h2><p class=\"muted\">The \(weeks.count) weeks \(HTML.escape(span)), local weeks starting on Monday.</p>"
        s += SVGChart.bars(title: "Exercises per week", labels: labels, values: weeks.map { Double($0.exercises) },
                           unit: "exercises", axisLabels: axis)
        s += SVGChart.bars(title: "Distance per week", labels: labels, values: weeks.map { $0.distanceM / 1000 }, unit: "km",
                           color: SVGChart.palette[1], axisLabels: axis)
        s += "<details><summary>The last 12 weeks as a table</summary>" + HTML.table(
            [("Week", false), ("Exercises", true), ("Active users", true), ("Distance", true)],
            weeks.suffix(12).map { w in
                let row = weekly.first { $0.monday == w.monday }
                return [.text(w.label), .text("\(w.exercises)"), .text("\(row?.activeUsers ?? 0)"), .text(Format.km(w.distanceM))]
            }) + "</details>"
        s += yearTable(CalendarSeries.years(weekly), duration: false)
        return s + "</section>"
    }

    /// One row per year: exercises, distance and (when the weekly rows hold it) duration.
    static func yearTable(_ years: [CalendarSeries.Year], duration: Bool = true) -> String {
        guard !years.isEmpty else { return "" }
        return "<h3>By year</h3>" + HTML.table(
            [("Year", false), ("Exercises", true), ("Distance", true)] + (duration ? [("Duration", true)] : []),
            years.map { y in
                [.text("\(y.year)"), .text("\(y.exercises)"), .text(Format.km(y.distanceM))] + (duration ? [.text(Format.duration(y.durationS))] : [])
            })
    }
}

/// The dashboard's "Latest imports" section: for each recent run that was given files, per user, what was loaded,
/// duplicated, skipped by kind and quarantined by reason, with the quarantined files listed.
public enum ImportReportHTML {
    /// How many runs with files the dashboard shows.
    public static let runsShown = 3

    /// The import reports of the most recent runs (newest first) that had files, at most `runsShown`.
    public static func recent(_ runs: [RunRecord], store: some LedgerStore) async throws -> [ImportReport] {
        var reports: [ImportReport] = []
        for run in runs where reports.count < runsShown {
            let report = try await ImportReport.load(runID: run.runID, store: store)
            if !report.users.isEmpty { reports.append(report) }
        }
        return reports
    }

    /// The section, or an explanation when no run had files.
    public static func section(_ reports: [ImportReport]) -> String {
        var s = "<section><h2>Latest imports</h2>"
        guard !reports.isEmpty else {
            return s + "<p>No files imported yet: put Polar exports into <code>inbox/&lt;user&gt;/</code> and run the pipeline.</p></section>"
        }
        for report in reports {
            s += "<h3>Run \(HTML.escape(report.run_id))</h3>" + HTML.table(
                [("User", false), ("Loaded", true), ("Duplicates", true), ("Quarantined", false), ("Skipped", false)],
                report.users.map { u in
                    [.text(u.user_key), .text("\(u.loaded)" + (u.richer_copies > 0 ? " (\(u.richer_copies) replaced a poorer copy)" : "")),
                     .text("\(u.duplicates)"),
                     wrapping("\(u.quarantinedCount)" + ImportReport.breakdown(u.quarantined)),
                     wrapping("\(u.skippedCount)" + ImportReport.breakdown(u.skipped))]
                })
            let files = report.total.quarantined_files
            if !files.isEmpty {
                s += "<p>Quarantined files (each with a <code>.reason.json</code> beside it):</p>" + HTML.table(
                    [("File", false), ("Reason", false), ("Now in", false)],
                    files.map { [wrapping($0.file), .text($0.reason), wrapping($0.path)] })
            }
        }
        return s + "</section>"
    }

    /// A cell whose text may wrap (table cells keep to one line), so long lists and paths fit the page's width.
    static func wrapping(_ text: String) -> HTML.Cell {
        .html("<span style=\"display:inline-block;min-width:16em;white-space:normal;overflow-wrap:break-word\">\(HTML.escape(text))</span>")
    }
}

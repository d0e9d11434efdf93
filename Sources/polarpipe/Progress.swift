import Foundation
import PolarPipeCore

/// Prints run progress. On a terminal: a line per finished task and, below them, a live status line with the
/// running tasks and the files and megabytes validated so far (of those waiting in the inbox at the start).
/// Otherwise: plain lines, one per task event.
final class ProgressPrinter: @unchecked Sendable {
    let isTerminal = isatty(STDOUT_FILENO) != 0
    let lock = NSLock()
    let quiet: Bool
    /// The files waiting in the inbox when the run started and their bytes (0 when not counted).
    let totalFiles: Int
    let totalBytes: Int64
    private var running: [String] = []
    private var files = 0
    private var bytes: Int64 = 0
    /// The task that reported `files` and `bytes`.
    private var progressTask: String?
    private var lastDraw = Date.distantPast

    /// `inbox` is counted for the totals of the status line, on a terminal only.
    init(quiet: Bool = false, inbox: URL? = nil, settleSeconds: Double = 0) {
        self.quiet = quiet
        let counted = isatty(STDOUT_FILENO) != 0 && !quiet
        let waiting = inbox.map { counted ? InboxScanner.scan($0, settleSeconds: settleSeconds) : [] } ?? []
        totalFiles = waiting.count
        totalBytes = waiting.reduce(0) { $0 + $1.bytes }
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

    func handle(_ event: RunEvent) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .taskStarted(let task, let mapIndex, let tryNumber):
            let id = TaskInstanceKey(task, mapIndex).description
            let name = tryNumber > 1 ? "\(id) (try \(tryNumber))" : id
            running.append(name)
            // The instances of a mapped task are summed up in one line when the last one ends.
            if isTerminal { drawStatus() } else if mapIndex < 0 { print("started  \(name)") }
        case .taskProgress(let id, let files, let bytes):
            progressTask = id
            self.files = files
            self.bytes = bytes
            // At most ten redraws a second (a run of small files reports thousands of them), and the first and last.
            if isTerminal, files == 1 || files == totalFiles || Date().timeIntervalSince(lastDraw) >= 0.1 { drawStatus() }
        case .taskSucceeded(let task, let mapIndex, _, let output, let seconds):
            finished(TaskInstanceKey(task, mapIndex).description)
            if mapIndex < 0 { printDone(task, output: output, seconds: seconds, shards: nil) } else if isTerminal, !running.isEmpty { drawStatus() }
        case .mappedTaskFinished(let task, let instances, _, let output, let seconds):
            printDone(task, output: output, seconds: seconds, shards: instances)
        case .taskFailed(let task, let mapIndex, let tryNumber, let error, let retryIn):
            let id = TaskInstanceKey(task, mapIndex).description
            finished(id)
            let what = retryIn.map { String(format: "retrying in %.0fs", $0) } ?? "failed"
            printAbove((isTerminal ? "  ✗ " : "failed   ") + "\(id) try \(tryNumber) (\(what)): \(error)")
        case .taskUpstreamFailed(let task, let mapIndex):
            printAbove((isTerminal ? "  - " : "upstream_failed ") + TaskInstanceKey(task, mapIndex).description)
        }
    }

    /// The line of a finished task (of all the instances of a mapped one).
    private func printDone(_ id: String, output: TaskOutput, seconds: Double, shards: Int?) {
        var counts = output.counts.keys.sorted().map { "\($0)=\(output.counts[$0] ?? 0)" }.joined(separator: " ")
        if id == progressTask, bytes > 0 { counts += " (\(Self.megabytes(bytes)))" }
        if let shards { counts = "\(shards) shard\(shards == 1 ? "" : "s")  " + counts }
        let mark = output.nothingToDo ? "skipped" : "done"
        let line = (isTerminal ? "  ✓ " : mark.padding(toLength: 9, withPad: " ", startingAt: 0))
            + id.padding(toLength: 31, withPad: " ", startingAt: 0) + String(format: "%7.2fs  ", seconds) + counts
        printAbove(line)
    }

    private func finished(_ id: String) {
        running.removeAll { $0 == id || $0.hasPrefix(id + " (try ") }
    }

    /// A finished line, with the status line redrawn below it while tasks still run.
    private func printAbove(_ line: String) {
        guard isTerminal else { return print(line) }
        print("\r\u{1B}[2K" + line)
        if !running.isEmpty { drawStatus() }
    }

    /// `  … task[, task]  37/200 files, 48.1/260.0 MB`, cut to the terminal's width so that it never wraps.
    private func drawStatus() {
        lastDraw = Date()
        var line = "  … " + running.joined(separator: ", ")
        if files > 0 || totalFiles > 0 {
            let ofFiles = totalFiles > 0 ? "/\(totalFiles)" : ""
            let ofBytes = totalBytes > 0 ? String(format: "/%.1f", Double(totalBytes) / 1e6) : ""
            line += "  \(files)\(ofFiles) files, " + String(format: "%.1f", Double(bytes) / 1e6) + "\(ofBytes) MB"
        }
        var size = winsize()
        let width = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        if line.count >= width { line = String(line.prefix(max(1, width - 2))) + "…" }
        print("\r\u{1B}[2K" + line, terminator: "")
        fflush(nil)
    }
}

import Foundation
import PolarPipeCore

/// Prints run progress: a live status line on a terminal, plain lines otherwise.
final class ProgressPrinter: @unchecked Sendable {
    let isTerminal = isatty(STDOUT_FILENO) != 0
    let lock = NSLock()
    let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    func handle(_ event: RunEvent) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .taskStarted(let id, let tryNumber):
            let suffix = tryNumber > 1 ? " (try \(tryNumber))" : ""
            if isTerminal {
                print("\r\u{1B}[2K  … \(id)\(suffix)", terminator: "")
                fflush(nil)
            } else {
                print("started  \(id)\(suffix)")
            }
        case .taskSucceeded(let id, _, let output, let seconds):
            let counts = output.counts.keys.sorted().map { "\($0)=\(output.counts[$0] ?? 0)" }.joined(separator: " ")
            let mark = output.nothingToDo ? "skipped" : "done"
            let line = (isTerminal ? "  ✓ " : mark.padding(toLength: 9, withPad: " ", startingAt: 0))
                + id.padding(toLength: 31, withPad: " ", startingAt: 0) + String(format: "%7.2fs  ", seconds) + counts
            print(isTerminal ? "\r\u{1B}[2K" + line : line)
        case .taskFailed(let id, let tryNumber, let error, let retryIn):
            let what = retryIn.map { String(format: "retrying in %.0fs", $0) } ?? "failed"
            print((isTerminal ? "\r\u{1B}[2K  ✗ " : "failed   ") + "\(id) try \(tryNumber) (\(what)): \(error)")
        case .taskUpstreamFailed(let id):
            print((isTerminal ? "  - " : "upstream_failed ") + id)
        }
    }
}

/// A whole run read a page at a time, for the tasks that reduce over it (statistics, reports, cleanup, the import
/// report): their memory then follows the page size, never the size of the batch.
public enum RunPages {
    /// Rows a page holds.
    public static let size = 512

    /// Calls `body` with each page `fetch(afterID, limit)` returns, keyset-paged by `id`, until one is empty.
    static func forEach<Row>(pageSize: Int, id: (Row) -> Int64, fetch: (Int64, Int) async throws -> [Row],
                             _ body: ([Row]) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await fetch(after, max(1, pageSize))
            guard let last = page.last else { return }
            try await body(page)
            after = id(last)
        }
    }
}

extension LedgerStore {
    /// Calls `body` with the run's ledger rows in id order, `pageSize` at a time.
    public func forEachFilePage(runID: String, pageSize: Int = RunPages.size,
                                _ body: ([FileRecord]) async throws -> Void) async throws {
        try await RunPages.forEach(pageSize: pageSize, id: \.id, fetch: { try await files(runID: runID, afterID: $0, limit: $1) }, body)
    }
}

extension ExerciseStore {
    /// Calls `body` with the run's exercises in id order, `pageSize` at a time.
    public func forEachExercisePage(runID: String, pageSize: Int = RunPages.size,
                                    _ body: ([ExerciseRecord]) async throws -> Void) async throws {
        try await RunPages.forEach(pageSize: pageSize, id: \.id, fetch: { try await exercises(runID: runID, afterID: $0, limit: $1) }, body)
    }
}

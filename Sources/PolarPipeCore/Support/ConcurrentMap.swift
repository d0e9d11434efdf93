import Foundation

extension Array where Element: Sendable {
    /// `transform` applied to every element, at most one at a time per core, with the results in order.
    public func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T) async throws -> [T] {
        let width = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard count > 1, width > 1 else { return try map(transform) }
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            for (i, element) in enumerated() {
                if i >= width, let (j, value) = try await group.next() { results[j] = value }
                group.addTask { (i, try transform(element)) }
            }
            for try await (j, value) in group { results[j] = value }
            return results.map { $0! }
        }
    }
}

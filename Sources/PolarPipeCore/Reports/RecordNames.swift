/// How pages and the CLI name and order personal records, distance and time records first, then power.
extension PersonalRecord {
    static let displayOrder = ["longest_distance", "longest_duration", "fastest_1km", "fastest_5km", "fastest_10km"]
        + PowerRecords.names.map(\.record)
    static let titles = ["longest_distance": "Longest distance", "longest_duration": "Longest duration",
                         "fastest_1km": "Fastest 1 km", "fastest_5km": "Fastest 5 km", "fastest_10km": "Fastest 10 km"]
        .merging(PowerRecords.names.map { ($0.record, $0.title) }, uniquingKeysWith: { a, _ in a })

    /// The record's place in lists (unknown records last).
    public var displayRank: Int { Self.displayOrder.firstIndex(of: record) ?? Self.displayOrder.count }

    /// "Fastest 5 km", "Best 20 min power".
    public var title: String { Self.titles[record] ?? record.replacingOccurrences(of: "_", with: " ") }

    /// The value in its unit: a distance, a power or a duration.
    public var formattedValue: String {
        record == "longest_distance" ? Format.km(value) : PowerRecords.isPower(record) ? Format.watts(value) : Format.duration(value)
    }
}

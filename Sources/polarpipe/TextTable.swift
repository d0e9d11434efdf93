/// Lines of a table whose columns are as wide as their widest cell plus two spaces, so that no value runs into the
/// next one whatever its length (Airflow run ids are over 40 characters).
enum TextTable {
    static func lines(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
    }
}

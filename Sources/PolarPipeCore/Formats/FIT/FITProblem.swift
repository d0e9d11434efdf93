/// The reasons a FIT file is refused or loaded with a remark: the `Diagnostic` codes the FIT decoder records.
enum FITProblem: String {
    /// Not a FIT file after all, an undefined local message, an impossible definition: nothing more can be read.
    case corrupt = "fit-corrupt"
    /// The file ends before the data its header announces (quarantined: see `FITDecoder`).
    case truncated = "fit-truncated"
    /// A header or file CRC that does not match; the data decoded, so only a warning (real devices write bad CRCs).
    case crc = "fit-crc"
    /// The header claims 0 data bytes; the messages up to the last two bytes were read.
    case unknownDataSize = "fit-data-size"
    /// Bytes after the last FIT file that are not another FIT header.
    case trailingBytes = "fit-trailing-bytes"
    /// Timestamps below 0x10000000: seconds since the device was switched on, not UTC.
    case relativeTime = "fit-relative-time"
    /// Records whose time goes back, or records before the first session's start.
    case timeOrder = "fit-time-order"
    /// A session's elapsed time is shorter than the span of its records.
    case elapsedShort = "fit-elapsed-short"
    /// More sessions than an exercise list takes.
    case tooManySessions = "fit-too-many-sessions"
    /// Neither a session message nor a record: no exercise to load.
    case empty = "fit-empty"
}

extension FieldReader {
    mutating func error(_ problem: FITProblem, _ message: String) { error(problem.rawValue, "$", message) }
    mutating func warning(_ problem: FITProblem, _ message: String) { warning(problem.rawValue, "$", message) }
}

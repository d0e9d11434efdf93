/// Run ids come from outside (`--run-id`, `RUN_ID` from Airflow, `--resume`) and name folders: only ids of a strict
/// shape are accepted. Allowed: 1–200 characters of letters, digits and `_ - . : +`, starting with a letter or a
/// digit, with no `..` — enough for polarpipe's own ids (`run-20261201T163431Z-1a2b`) and Airflow's
/// (`manual__2026-12-01T16:34:31.123456+00:00`, `scheduled__…`).
public enum RunID {
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var runID: String
        public init(runID: String) { self.runID = runID }
        public var description: String {
            "run id \(String(reflecting: String(runID.prefix(80)))) is not valid: use 1–200 letters, digits and _ - . : +, "
                + "starting with a letter or a digit, without '..'"
        }
    }

    public static func isValid(_ id: String) -> Bool {
        let scalars = id.unicodeScalars
        guard let first = scalars.first, scalars.count <= 200, isAlphanumeric(first), !id.contains("..") else { return false }
        return scalars.allSatisfy { isAlphanumeric($0) || "_-.:+".unicodeScalars.contains($0) }
    }

    /// `id`, or `Invalid`.
    public static func validated(_ id: String) throws(Invalid) -> String {
        guard isValid(id) else { throw Invalid(runID: id) }
        return id
    }

    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }
}

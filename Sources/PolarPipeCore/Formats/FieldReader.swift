/// Typed access to JSON fields that records a `Diagnostic` instead of throwing.
///
/// Required fields that are missing or of the wrong type are errors; optional fields of the wrong type are
/// warnings and read as absent.
struct FieldReader {
    var diagnostics: [Diagnostic] = []

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ code: String, _ path: String, _ message: String) {
        diagnostics.append(.error(code, path: path, message))
    }

    mutating func warning(_ code: String, _ path: String, _ message: String) {
        diagnostics.append(.warning(code, path: path, message))
    }

    private mutating func wrongType(_ required: Bool, _ path: String, _ expected: String, _ found: JSONValue) {
        let message = "expected \(expected), found \(found.kind)"
        if required { error("wrong-type", path, message) } else { warning("wrong-type", path, message + "; ignored") }
    }

    mutating func string(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> String? {
        let p = path + "." + key.description
        guard let v = object[key], !v.isNull else {
            if required { error("missing-field", p, "required field is missing") }
            return nil
        }
        guard let s = v.string else { wrongType(required, p, "a string", v); return nil }
        return s
    }

    mutating func number(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> Double? {
        let p = path + "." + key.description
        guard let v = object[key], !v.isNull else {
            if required { error("missing-field", p, "required field is missing") }
            return nil
        }
        if v.kind == .nan { return nil }
        guard let d = v.double else { wrongType(required, p, "a number", v); return nil }
        return d
    }

    mutating func int(_ object: JSONValue, _ key: StaticString, _ path: String) -> Int? {
        guard let d = number(object, key, path) else { return nil }
        guard d == d.rounded(), abs(d) < 1e9, let i = CheckedConversion.int(floor: d, in: -999_999_999 ... 999_999_999) else {
            warning("wrong-type", path + "." + key.description, "expected an integer; ignored")
            return nil
        }
        return i
    }

    mutating func object(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> JSONValue? {
        let p = path + "." + key.description
        guard let v = object[key], !v.isNull else {
            if required { error("missing-field", p, "required field is missing") }
            return nil
        }
        guard v.isObject else { wrongType(required, p, "an object", v); return nil }
        return v
    }

    mutating func array(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> JSONValue? {
        let p = path + "." + key.description
        guard let v = object[key], !v.isNull else {
            if required { error("missing-field", p, "required field is missing") }
            return nil
        }
        guard v.isArray else { wrongType(required, p, "an array", v); return nil }
        return v
    }

    /// A local timestamp (`2023-06-17T10:24:56.297`) as local epoch milliseconds.
    mutating func localTime(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> Int64? {
        guard let s = string(object, key, path, required: required) else { return nil }
        guard let ms = PolarTime.localMillis(s) else {
            let p = path + "." + key.description
            if required { error("bad-timestamp", p, "not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.sss]") }
            else { warning("bad-timestamp", p, "not a timestamp; ignored") }
            return nil
        }
        return ms
    }

    /// An ISO-8601 duration string as seconds.
    mutating func isoDuration(_ object: JSONValue, _ key: StaticString, _ path: String, required: Bool = false) -> Double? {
        guard let s = string(object, key, path, required: required) else { return nil }
        guard let seconds = PolarTime.durationSeconds(s) else {
            let p = path + "." + key.description
            if required { error("bad-duration", p, "not an ISO-8601 duration") }
            else { warning("bad-duration", p, "not an ISO-8601 duration; ignored") }
            return nil
        }
        return seconds
    }

    /// `info` with implausible values dropped (`PhysicalPlausibility`), each with an `implausible-value` warning
    /// at `path.<key>`. A birthday after both the session's start and the snapshot's date is in the future.
    mutating func plausible(_ info: PhysicalInformation, path: String, keys: PhysicalPlausibility.Keys,
                            sessionStart: Int64?) -> PhysicalInformation {
        let dates = [sessionStart, info.recordedAtLocalMillis].compactMap { $0 }
        let (checked, findings) = PhysicalPlausibility.checked(info, asOfLocalMillis: dates.max(), keys: keys)
        for finding in findings { warning("implausible-value", path + "." + finding.key, finding.message) }
        return checked
    }

    /// A time-zone offset in minutes east of UTC: `value`, else `fallback`. A missing offset is warned about once
    /// per file (`warned`), an impossible one (beyond ±18 h) is dropped with a warning; nil means UTC.
    mutating func timeZoneOffset(_ value: Int?, fallback: Int?, path: String, key: String, warned: inout Bool) -> Int? {
        guard let offset = value ?? fallback else {
            if !warned {
                warning("missing-timezone", path, "no \(key): times are taken as UTC")
                warned = true
            }
            return nil
        }
        guard abs(offset) <= 18 * 60 else {
            warning("bad-timezone", path + "." + key, "offset of \(offset) minutes is impossible; UTC assumed")
            return nil
        }
        return offset
    }
}

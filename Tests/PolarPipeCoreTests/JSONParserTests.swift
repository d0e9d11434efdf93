import Testing
@testable import PolarPipeCore

@Suite struct JSONParserTests {
    func parse(_ s: String) throws -> JSONDocument { try JSONParser.parse(Array(s.utf8)) }

    func failure(_ bytes: [UInt8]) -> JSONSyntaxError? {
        do { _ = try JSONParser.parse(bytes); return nil } catch { return error }
    }

    @Test func readsObjectsArraysAndScalars() throws {
        let doc = try parse(#"{"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "x\"y\u00e9"}, "height, cm": 181}"#)
        let a = try #require(doc.root["a"])
        #expect(a.elements.map { $0.double } == [1, -2.5, 300, nil, nil, nil])
        #expect(a.elements.map(\.kind) == [.number, .number, .number, .true, .false, .null])
        #expect(doc.root["b"]?["c"]?.string == "x\"yé")
        #expect(doc.root["height, cm"]?.int == 181)
        #expect(doc.root["missing"] == nil)
    }

    @Test func acceptsBareNaNAsAnExtension() throws {
        let doc = try parse(#"{"values": [53.0, NaN, "NaN", 55]}"#)
        #expect(doc.containsBareNaN)
        let values = try #require(doc.root["values"]).elements.map(\.kind)
        #expect(values == [.number, .nan, .string, .number])
    }

    @Test func skipsUTF8ByteOrderMark() throws {
        let doc = try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"k": 1}"#.utf8))
        #expect(doc.root["k"]?.int == 1)
    }

    @Test func refusesDeepNestingWithoutRecursion() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(failure(deep)?.code == .tooDeep)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(failure(Array(ok.utf8)) == nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(Array(tooDeep.utf8))?.code == .tooDeep)
    }

    @Test(arguments: [
        ("", JSONSyntaxError.Code.empty), ("   ", .empty), ("{\"a\": 1", .invalidJSON), ("{\"a\" 1}", .invalidJSON),
        ("[1,]", .invalidJSON), ("[01]", .invalidJSON), ("[1e400]", .nonFiniteNumber), ("[-1e999]", .nonFiniteNumber),
        ("{\"a\": tru}", .invalidJSON), ("[\"\\x\"]", .invalidJSON), ("[1] x", .invalidJSON), ("[Infinity]", .invalidJSON),
        ("[\"a\nb\"]", .invalidJSON),
    ])
    func refusesMalformedInput(_ text: String, _ code: JSONSyntaxError.Code) {
        #expect(failure(Array(text.utf8))?.code == code)
    }

    @Test func refusesInvalidUTF8() {
        #expect(failure([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")])?.code == .invalidUTF8)
        #expect(failure([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")])?.code == .invalidUTF8)
    }

    /// Strings are scanned eight bytes at a time: a quote, escape, control character or non-ASCII byte is found
    /// at every offset, including the last bytes of the input.
    @Test func findsEverySpecialByteAtEveryOffset() throws {
        for k in 0 ..< 20 {
            let run = String(repeating: "a", count: k)
            let doc = try parse("[\"\(run)\", \"\(run)\\n\(run)\", \"\(run)é\(run)\"]")
            #expect(doc.root.elements.map(\.string) == [run, run + "\n" + run, run + "é" + run])
            let prefix = Array("[\"\(run)".utf8)
            let control = failure(prefix + [0x01, UInt8(ascii: "\""), UInt8(ascii: "]")])
            #expect(control?.code == .invalidJSON && control?.offset == 2 + k)
            #expect(failure(prefix + [0xFF, UInt8(ascii: "\""), UInt8(ascii: "]")])?.code == .invalidUTF8)
            #expect(failure(prefix)?.code == .invalidJSON)
        }
    }

    @Test func errorPathNamesTheOffendingValue() {
        let error = failure(Array(#"{"exercises": [{"duration": 1e999}]}"#.utf8))
        #expect(error?.path == "$.exercises[0].duration")
    }

    @Test func numbersParseExactly() throws {
        let doc = try parse("[157.89999389648438, 60.23398333, -0.5, 12345678901234567890, 1.5E-3]")
        let values = try #require(doc.root.elements.map(\.double) as [Double?])
        #expect(values == [157.89999389648438, 60.23398333, -0.5, 12345678901234567890, 0.0015])
    }

    @Test func timestampsAndDurations() {
        #expect(PolarTime.localMillis("1970-01-01T00:00:01.5") == 1500)
        #expect(PolarTime.localMillis("2023-06-17T10:24:56.367") == 1_686_997_496_367)
        #expect(PolarTime.localMillis("2022-06-18T18:50:02Z") == 1_655_578_202_000)
        #expect(PolarTime.localMillis("2023-02-29T10:00:00") == nil)
        #expect(PolarTime.localMillis("2023-06-17 10:24") == nil)
        #expect(PolarTime.durationSeconds("PT876.877S") == 876.877)
        #expect(PolarTime.durationSeconds("PT14400S") == 14400)
        #expect(PolarTime.durationSeconds("PT2H44M45S") == 9885)
        #expect(PolarTime.durationSeconds("PT21M54.002S") == 1314.002)
        #expect(PolarTime.durationSeconds("P1DT1S") == 86401)
        #expect(PolarTime.durationSeconds("PT") == nil)
        #expect(PolarTime.durationSeconds("876") == nil)
        #expect(PolarTime.format(millis: 1_686_997_496_367, fraction: true) == "2023-06-17T10:24:56.367")
    }
}

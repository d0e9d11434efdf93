import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// The JSON tape's value budget: a file of tiny values (`[0,0,0,…]`) is refused as `too-many-values` before its
/// parsed form (16 bytes a value) outgrows the size limit, and real files are far below the budget.
@Suite struct ValueBudgetTests {
    /// `[0,0,…,0]` with `zeros` zeros: `zeros + 1` values in `2 × zeros + 1` bytes.
    func zeros(_ zeros: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: UInt8(ascii: ","), count: 2 * zeros + 1)
        bytes[0] = UInt8(ascii: "[")
        for k in 0 ..< zeros { bytes[1 + 2 * k] = UInt8(ascii: "0") }
        bytes[2 * zeros] = UInt8(ascii: "]")
        return bytes
    }

    @Test func theBudgetIsOneValuePerSixteenBytesOfTheSizeLimit() {
        var limits = InputLimits()
        #expect(limits.maxJSONValues == 16_777_280)
        limits.maxFileBytes = 4 << 20
        #expect(limits.maxJSONValues == 262_208)
    }

    @Test func aFewMegabytesOfZerosAreRefusedAsTooManyValues() {
        var limits = InputLimits()
        limits.maxFileBytes = 4 << 20
        let bytes = zeros(1_500_000)  // 3 MB, within the size limit; 1 500 001 values
        #expect(bytes.count < limits.maxFileBytes)
        let outcome = SessionDecoder.decode(bytes, limits: limits)
        #expect(outcome.session == nil)
        let error = outcome.firstError
        #expect(error?.code == "too-many-values")
        #expect(error?.path == "$[262207]")
        #expect(error?.message.contains("more than 262208 values and keys") == true)
    }

    @Test func theParserAcceptsExactlyTheBudgetAndNoMore() throws {
        let document = try JSONParser.parse(zeros(999), maxValues: 1000)
        #expect(document.nodeCount == 1000)
        #expect(document.root.count == 999)
        do {
            _ = try JSONParser.parse(zeros(1000), maxValues: 1000)
            Issue.record("1001 values were accepted under a budget of 1000")
        } catch {
            #expect(error.code == .tooManyValues)
            #expect(error.offset == 1 + 2 * 999)  // the 1000th zero is the 1001st value
        }
    }

    @Test func objectKeysCountAsValues() {
        // {"a":0,"b":0}: the object, two keys and two values.
        let text = Array(#"{"a":0,"b":0}"#.utf8)
        #expect((try? JSONParser.parse(text, maxValues: 5))?.nodeCount == 5)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text, maxValues: 4) }
    }

    /// Other refusals keep their own reason when the input runs out before the budget does.
    @Test func unclosedContainersAreInvalidJSONNotTooManyValues() throws {
        let open = [UInt8](repeating: UInt8(ascii: "["), count: 64)
        #expect(throws: JSONSyntaxError(code: .invalidJSON, offset: 64, path: "$" + String(repeating: "[0]", count: 64),
                                        message: "unexpected end of input, a value was expected")) {
            try JSONParser.parse(open)
        }
    }

    @Test func everyRealSampleDecodesUnderALimitOfItsOwnSize() throws {
        for url in try RealSamples.files() {
            let bytes = [UInt8](try Data(contentsOf: url))
            var limits = InputLimits()
            limits.maxFileBytes = bytes.count
            let outcome = SessionDecoder.decode(bytes, limits: limits)
            #expect(outcome.session != nil, "\(url.lastPathComponent): \(outcome.diagnostics)")
        }
    }
}

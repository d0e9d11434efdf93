import PropertyBased
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// The Polar Flow CSV decoder reads fields from the file's bytes: numbers and times must come out exactly as Swift's
/// own text parsing gives them, and hostile fields must be refused as before.
@Suite struct PolarCSVByteReadingTests {
    static let header = "Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,24.06.2024,18:57:07,00:30:00,\n"

    func exercise(_ text: String, limits: InputLimits = InputLimits()) throws -> Exercise {
        let outcome = SessionDecoder.decode(Array(text.utf8), limits: limits)
        return try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
    }

    /// The same double, bit for bit, as `TextNumber` (trimming, then `Double(String)`), or nil for both.
    static func agree(_ text: String) -> Bool {
        let fast = DecimalBytes.value(ArraySlice(text.utf8), in: -Double.greatestFiniteMagnitude ... .greatestFiniteMagnitude)
        let slow = TextNumber.value(text, in: -Double.greatestFiniteMagnitude ... .greatestFiniteMagnitude)
        return fast?.bitPattern == slow?.bitPattern
    }

    @Test(arguments: ["0", "-0", "+5", "7", "12.5", "0.1", "0.3", "-40.25", "59.999999", "123456789012345", "99999999999999.9",
                      "0.000000000000001", "1234567890123456", "9007199254740993", "9.723456789012345", "00012.340", "1.", ".5",
                      "1e3", "-1E-2", "0x1p3", "nan", "inf", "-infinity", "1e400", "--1", "1.2.3", "+", "-", ".", "", "12a",
                      "\u{A0}7", "7\u{3000}", "٣", "1\u{301}"])
    func fieldsGiveTheSameNumberAsSwiftsTextParsing(_ text: String) {
        #expect(Self.agree(text), "\(text): \(String(describing: DecimalBytes.value(ArraySlice(text.utf8), in: -1e308 ... 1e308)))")
    }

    @Test func randomDecimalsGiveTheSameNumberAsSwiftsTextParsing() async {
        let digits = Gen.int(in: 0 ... 9).array(of: 1 ... 18)
        await propertyCheck(input: digits, Gen.int(in: 0 ... 18), Gen.bool) { ds, point, negative in
            var text = ds.map(String.init).joined()
            if point < text.count { text.insert(".", at: text.index(text.startIndex, offsetBy: max(1, point))) }
            if negative { text = "-" + text }
            #expect(Self.agree(text), "\(text)")
        }
    }

    @Test(arguments: [("00:00:00", 0.0), ("01:02:03", 3723), ("9999:59:59", 35_999_999), ("00:00:07.25", 7.25), ("0:01:00", 60)])
    func elapsedTimesAreReadFromBytes(_ text: String, _ seconds: Double) {
        #expect(PolarCSVClock.seconds(text) == seconds)
    }

    @Test(arguments: ["", "00:00", "00:60:00", "00:00:60", "10000:00:00", "00:0:00", "0a:00:00", "00:00:0", "00:00:00:00",
                      "-1:00:00", "00:00:6e1", "00:00:nan", ":00:00"])
    func malformedElapsedTimesAreRefused(_ text: String) {
        #expect(PolarCSVClock.seconds(text) == nil)
    }

    @Test func hostileSampleValuesAreDroppedAndOnlyTheirRowsLoseThem() throws {
        let e = try exercise(Self.header + """
            Time,HR (bpm),Speed (km/h),Altitude (m),
            00:00:00,120,10.5,1e400,
            00:00:01,nan,-3,55.5,
            00:00:02,401,1001,-1000.5,
            00:00:03,inf,0x10,20,
            00:00:04,99999999999999999999,12,10001,
            """)
        #expect(e.samples.heartRate == SampleSeries(t: [0], value: [120]))
        #expect(e.samples.speed == SampleSeries(t: [0, 3, 4], value: [10.5, 16, 12]))
        #expect(e.samples.altitude == SampleSeries(t: [1, 3], value: [55.5, 20]))
    }

    @Test func lineEndsBlankLinesAndBlanksAroundFieldsAreAsPolarWritesThem() throws {
        let text = "Name,Sport,Date,Start time,Duration,\r\n Ann ,\tRUNNING\t,24.06.2024,18:57:07,00:30:00,\r\n\r\n"
            + "Time,HR (bpm),\r00:00:00, 120 ,\n\n00:00:01,\t121,\r\n\u{A0}00:00:02\u{A0},\u{A0}122,\r\n\"00:00:03\",\"1\"\"23\",\n"
        let e = try exercise(text)
        #expect(e.sport == "RUNNING")
        #expect(e.raw.contains("\"Name\":\"Ann\""))
        // Row 4's quoted `1"23` is not a number; the quoted time is.
        #expect(e.samples.heartRate == SampleSeries(t: [0, 1, 2], value: [120, 121, 122]))
    }

    @Test func aFileOfMoreFieldsThanTheValueBudgetIsRefused() {
        var limits = InputLimits()
        limits.maxFileBytes = 16 * 100
        let row = "00:00:01,100,"
        let text = Self.header + "Time,HR (bpm),\n" + String(repeating: row + "\n", count: 100)
        let outcome = SessionDecoder.decode(Array(text.utf8), limits: limits)
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == "too-many-values")
        let fewer = Self.header + "Time,HR (bpm),\n" + String(repeating: row + "\n", count: 40)
        #expect(SessionDecoder.decode(Array(fewer.utf8), limits: limits).session != nil)
    }
}

import Foundation
import Testing
@testable import PolarPipeCore

/// The report formatters are written out by hand for speed; they must print what `printf` prints.
@Suite struct FormatTests {
    @Test func fixedDecimalsMatchPrintf() {
        var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1.005, 2.675, 9.995, 99.95, 0.04, -0.04, 1e-9,
                                123_456.789, -98_765.4321, 5_012.25, 141.25, 1e14, 3.999_999_9, 0.05, 0.005, 0.015, 0.0005,
                                -0.05, 0.45, 0.35, 0.000_5, 1.000_5, 0.25, 0.125]
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 2_000 { values.append(Double.random(in: -1 ... 1, using: &rng)) }  // small values: the product is below 1
        for k in 0 ..< 2_000 { values.append(Double(k) / 1_000 + 0.000_5) }  // every decimal halfway case of 0.000–2.000
        for _ in 0 ..< 2_000 { values.append(Double.random(in: -50_000 ... 50_000, using: &rng)) }
        for _ in 0 ..< 500 { values.append(Double(Int.random(in: -20_000 ... 20_000, using: &rng)) / 8) }  // exact halves and quarters
        for v in values {
            for digits in 0 ... 3 {
                #expect(Format.fixed(v, digits: digits) == String(format: "%.\(digits)f", v), "\(v) with \(digits) digits")
            }
        }
    }

    @Test func reportFormats() {
        #expect(Format.duration(3_725.4) == "1 h 02 min" && Format.duration(59.6) == "1 min 00 s" && Format.duration(nil) == "–")
        #expect(Format.pace(5.5) == "5:30 /km" && Format.pace(.infinity) == "–")
        #expect(Format.km(5_012.25) == "5.01 km" && Format.number(141.25) == "141.2" && Format.number(.nan) == "–")
        #expect(Format.padded(7, 2) == "07" && Format.padded(2026, 4) == "2026" && Format.padded(123, 2) == "123")
        #expect(Hex.string([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    }
}

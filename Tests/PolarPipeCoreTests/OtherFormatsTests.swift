import Foundation
import Testing
@testable import PolarPipeCore

/// Files of the formats polarpipe does not read yet are refused by name (`unsupported-format`), not as broken JSON.
@Suite struct OtherFormatsTests {
    @Test(arguments: [
        ("tcx", Array("\u{FEFF}\n <?xml version=\"1.0\"?>\n<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">".utf8)),
        ("gpx", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><gpx version=\"1.1\" creator=\"Polar\"><trk></trk></gpx>".utf8)),
        ("csv", Array("Name,Sport,Date,Start time,Duration,Total distance (km),\nAnn,RUNNING,24-06-2024,18:57:07,00:30:00,5.01,\n".utf8)),
    ])
    func aTrainingFileOfAnotherFormatIsNamed(_ format: String, _ bytes: [UInt8]) throws {
        let error = try #require(SessionDecoder.decode(bytes).firstError)
        #expect(error.code == "unsupported-format")
        #expect(error.message.hasPrefix(format + ":"))
    }

    @Test func jsonAndOtherTextIsNotTakenForAnotherFormat() {
        #expect(OtherFormats.detect(Array("{\"exportVersion\": \"1.6\"}".utf8)) == nil)
        #expect(OtherFormats.detect(Array("<html><body>not a session</body></html>".utf8)) == nil)
        #expect(OtherFormats.detect(Array("a,b,c\n1,2,3\n".utf8)) == nil)
        #expect(OtherFormats.detect([14, 0x10, 0, 0, 0, 0, 0, 0, 0x2E, 0x46, 0x49]) == nil)  // too short for a FIT header
        #expect(SessionDecoder.decode(Array("<html>".utf8)).firstError?.code == "invalid-json")
    }
}

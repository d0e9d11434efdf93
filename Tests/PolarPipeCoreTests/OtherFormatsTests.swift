import Foundation
import Testing
@testable import PolarPipeCore

/// Training files of other formats are recognised by their content, whatever precedes the root element, and never
/// read as broken JSON.
@Suite struct OtherFormatsTests {
    @Test(arguments: [
        (PolarLayout.tcx, "\u{FEFF}\n <?xml version=\"1.0\"?>\n<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">"),
        (.tcx, "<?xml version=\"1.0\"?><!-- <gpx> in a comment --><?pi data?>\n<TrainingCenterDatabase>"),
        (.gpx, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><gpx version=\"1.1\" creator=\"Polar\"><trk></trk></gpx>"),
        (.gpx, "<!-- written by a script --><g:gpx xmlns:g=\"http://www.topografix.com/GPX/1/1\">"),
        (.gpx, "<!DOCTYPE gpx><gpx>"),
        (.polarCSV, "Name,Sport,Date,Start time,Duration,Total distance (km),\nAnn,RUNNING,24.06.2024,18:57:07,00:30:00,5.01,\n"),
        (.polarCSV, "\u{FEFF}Name,Sport,Date,Start time,Duration,\n"),
    ])
    func aTrainingFileIsRecognisedByItsContent(_ format: PolarLayout, _ text: String) {
        #expect(OtherFormats.detect(Array(text.utf8)) == format)
    }

    @Test func aFITHeaderIsRecognisedAndAnEmptyFITIsRefusedAsFIT() throws {
        let header: [UInt8] = [14, 0x10, 0x5C, 0x08, 0x10, 0, 0, 0, 0x2E, 0x46, 0x49, 0x54, 0, 0, 0, 0]
        #expect(OtherFormats.detect(header) == .fit)
        let error = try #require(SessionDecoder.decode(header).firstError)
        #expect(error.code.hasPrefix("fit-"), "\(error.code)")
    }

    @Test func jsonAndOtherTextIsNotTakenForAnotherFormat() {
        #expect(OtherFormats.detect(Array("{\"exportVersion\": \"1.6\"}".utf8)) == nil)
        #expect(OtherFormats.detect(Array("<html><body>not a session</body></html>".utf8)) == nil)
        #expect(OtherFormats.detect(Array("<?xml version=\"1.0\"?><gpxdata/>".utf8)) == nil)
        #expect(OtherFormats.detect(Array("a,b,c\n1,2,3\n".utf8)) == nil)
        #expect(OtherFormats.detect(Array("Name,Sport\n".utf8)) == nil)
        #expect(OtherFormats.detect([14, 0x10, 0, 0, 0, 0, 0, 0, 0x2E, 0x46, 0x49]) == nil)  // too short for a FIT header
        #expect(SessionDecoder.decode(Array("<html>".utf8)).firstError?.code == "invalid-json")
    }
}

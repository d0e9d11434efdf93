import Foundation
import ZIPFoundation

/// Writes a zip archive with the given entries (deflated).
public func makeZip(_ url: URL, _ entries: [(String, Data)]) throws {
    let archive = try Archive(url: url, accessMode: .create)
    for (path, data) in entries {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position) ..< Int(position) + size)
        }
    }
}

/// Files that must be refused, each with the reason code the pipeline quarantines it for (docs/INGESTION.md, "What happens to
/// each file"). `oversize.json` assumes `limits.max_file_bytes` = 3 MiB.
public enum HostileCorpus {
    /// The corpus, built around a valid old-layout session `old`.
    public static func files(old: String) throws -> [(name: String, data: Data, reason: String)] {
        var utf16 = Data([0xFF, 0xFE])
        for unit in old.utf16 { utf16.append(contentsOf: [UInt8(unit & 0xFF), UInt8(unit >> 8)]) }
        return [
            ("empty.json", Data(), "empty-file"),
            ("truncated.json", Data(old.utf8.prefix(300)), "invalid-json"),
            ("binary.json", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF]), "invalid-json"),
            ("array.json", Data("[1, 2, 3]".utf8), "wrong-type"),
            ("wrong-types.json", Data(old.replacingOccurrences(of: "\"duration\": \"PT5.000S\"", with: "\"duration\": 5").utf8), "wrong-type"),
            ("negative-duration.json", Data(NewLayoutAndFriends.newLayout(durationMillis: -5000).utf8), "bad-duration"),
            ("thirty-days.json", Data(old.replacingOccurrences(of: "PT5.000S", with: "PT2592000S").utf8), "bad-duration"),
            ("huge-number.json", Data(old.replacingOccurrences(of: "\"kiloCalories\": 3", with: "\"kiloCalories\": 1e400").utf8), "non-finite-number"),
            ("deep.json", Data(String(repeating: "[", count: 100_000).utf8) + Data(String(repeating: "]", count: 100_000).utf8), "too-deep"),
            ("utf16.json", utf16, "not-utf8"),
            ("unknown.json", Data("{\"hello\": \"world\"}".utf8), "unknown-layout"),
            ("oversize.json", Data(old.utf8) + Data(repeating: 0x20, count: 3 << 20), "too-large"),
            ("traversal.zip", try zip([("../../evil.json", Data(old.utf8))]), "zip-path-traversal"),
            ("bomb.zip", try zip([("training-session-bomb.json", Data(count: 40 << 20))]), "zip-bomb"),
        ] + textFormats
    }

    /// A valid one-trackpoint TCX session, cut and bent into the XML and CSV files that must be refused.
    static let tcx = """
        <?xml version="1.0" encoding="UTF-8"?>
        <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>\
        <Activity Sport="Running"><Id>2024-05-01T08:00:00Z</Id><Lap StartTime="2024-05-01T08:00:00Z">\
        <TotalTimeSeconds>60</TotalTimeSeconds><Track><Trackpoint><Time>2024-05-01T08:00:00Z</Time>\
        <HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>
        """

    /// TCX, GPX and Polar CSV files with the reason each is refused.
    static var textFormats: [(name: String, data: Data, reason: String)] {
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
            + (1 ... 9).map { "<!ENTITY \(Character(UnicodeScalar(UInt8(97 + $0)))) \"" + String(repeating: "&\(Character(UnicodeScalar(UInt8(96 + $0))));", count: 10) + "\">" }.joined()
            + "]>" + tcx.replacingOccurrences(of: "<Id>2024-05-01T08:00:00Z</Id>", with: "<Id>&j;</Id>")
                .replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "")
        return [
            ("truncated.tcx", Data(tcx.utf8.prefix(tcx.utf8.count / 2)), "xml-invalid"),
            ("laughs.tcx", Data(laughs.utf8), "xml-dtd"),
            ("external-entity.gpx", Data("<?xml version=\"1.0\"?><!DOCTYPE gpx [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><gpx><trk><name>&x;</name></trk></gpx>".utf8), "xml-dtd"),
            // Declared encodings libxml2 converts through iconv or cannot find: EBCDIC crashed the process in the parser
            // (a null converter), UTF-7 with a malformed body too (found by the fuzzer).
            ("ebcdic.tcx", Data(tcx.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"EBCDIC-US\"").utf8), "xml-encoding"),
            ("utf7.gpx", Data("<?xml version='1.0' encoding = 'utf-7' ?><gpx><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2024-05-01T08:00:00Z</time></trkpt></trkseg></trk></gpx>".utf8), "xml-encoding"),
            ("deep.gpx", Data(("<gpx>" + String(repeating: "<trk>", count: 5000) + String(repeating: "</trk>", count: 5000) + "</gpx>").utf8), "xml-too-deep"),
            ("courses.tcx", Data("<TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\"><Courses/></TrainingCenterDatabase>".utf8), "tcx-no-activity"),
            ("no-times.gpx", Data("<gpx version=\"1.1\"><trk><trkseg><trkpt lat=\"1\" lon=\"2\"/><trkpt lat=\"1\" lon=\"3\"/></trkseg></trk></gpx>".utf8), "gpx-no-times"),
            ("iso-date.csv", Data("Name,Sport,Date,Start time,Duration,\nAnn,RUNNING,2024-06-24,18:57:07,00:30:00,\n".utf8), "bad-timestamp"),
        ]
    }

    /// The bytes of a zip with these entries.
    public static func zip(_ entries: [(String, Data)]) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        try makeZip(url, entries)
        return try Data(contentsOf: url)
    }
}

/// New-layout and odd files for the hostile-input tests.
public enum NewLayoutAndFriends {
    public static func newLayout(durationMillis: Int, start: String = "2026-03-01T08:00:00", values: String = "[100, 101]") -> String {
        """
        {"identifier": {"id": "1"}, "startTime": "\(start)", "durationMillis": \(durationMillis), "timezoneOffsetMinutes": 60,
         "sport": {"id": "1"}, "exercises": [{"startTime": "\(start)", "durationMillis": \(durationMillis), "sport": {"id": "1"},
           "samples": {"samples": [{"type": "HEART_RATE", "intervalMillis": 1000, "values": \(values)}]}}]}
        """
    }

    public static let bareNaN = newLayout(durationMillis: 4000, start: "2026-03-02T08:00:00", values: "[NaN, 120, NaN, 121]")

    /// HR 300 and a point at latitude 95: those samples are rejected, the file loads.
    public static let outOfRange = """
        {"identifier": {"id": "9"}, "startTime": "2026-03-01T08:00:00", "durationMillis": 3000, "timezoneOffsetMinutes": 60,
         "sport": {"id": "1"}, "exercises": [{"startTime": "2026-03-01T08:00:00", "durationMillis": 3000, "sport": {"id": "1"},
           "samples": {"samples": [{"type": "HEART_RATE", "intervalMillis": 1000, "values": [120, 300, 125]}]},
           "routes": {"route": {"startTime": "2026-03-01T08:00:00.000", "wayPoints": [
             {"latitude": 95, "longitude": 24, "elapsedMillis": 0}, {"latitude": 60, "longitude": 24, "elapsedMillis": 1000}]}}}]}
        """
}

import Foundation
import PolarPipeCore

/// A Polar Flow export (old layout) of a 25-minute ride with a power meter, cadence, R-R intervals, a route, the
/// rider's FTP and the watch's ascent and loads: 5 min at 150 W, then 20 min at `watts` (250 W), on 2023-06-`day`.
public enum PowerRideFixture {
    public static func json(ftp: Int? = 250, day: Int = 17, loopDegrees: Double = 0.01, watts: Int = 250) -> String {
        func time(_ s: Int) -> String {
            "2023-06-\(Format.padded(day, 2))T10:\(Format.padded(s / 60, 2)):\(Format.padded(s % 60, 2)).000"
        }
        var power: [String] = [], cadence: [String] = [], hr: [String] = [], route: [String] = []
        for s in 0 ..< 1_500 {
            power.append("{\"dateTime\": \"\(time(s))\", \"currentPower\": \(s < 300 ? 150 : watts)}")
            cadence.append("{\"dateTime\": \"\(time(s))\", \"value\": \(s < 10 ? 0 : s >= 1_440 ? 95 : 90)}")
            hr.append("{\"dateTime\": \"\(time(s))\", \"value\": \(130 + s / 100)}")
            let a = Double(s) / 1_500 * 2 * Double.pi
            route.append("{\"dateTime\": \"\(time(s))\", \"latitude\": \(60.17 + loopDegrees * sin(a)), \"longitude\": \(24.94 + 2 * loopDegrees * cos(a)), \"altitude\": 20.0}")
        }
        let rr = (0 ..< 1_400).map { "{\"duration\": \"PT\($0 % 2 == 0 ? "1.000" : "1.020")S\"}" }
        let ftpField = ftp.map { ", \"functionalThresholdPower\": \($0)" } ?? ""
        return """
            {"exportVersion": "2.2", "name": "", "deviceId": "4A858829",
             "startTime": "\(time(0))", "stopTime": "\(time(1_500))", "timeZoneOffset": 180, "duration": "PT1500S",
             "distance": 12000, "kiloCalories": 412,
             "physicalInformationSnapshot": {"dateTime": "2023-07-10T02:14:04.000", "sex": "MALE", "birthday": "1990-04-02",
               "maximumHeartRate": 190, "restingHeartRate": 50\(ftpField)},
             "loadInformation": {"cardioLoad": 45.5, "cardioLoadInterpretation": "MEDIUM", "muscleLoad": 310.4, "perceivedLoad": 0},
             "exercises": [{"startTime": "\(time(0))", "stopTime": "\(time(1_500))", "timezoneOffset": 180, "duration": "PT1500S",
               "distance": 12000, "sport": "ROAD_BIKING", "kiloCalories": 412, "ascent": 412, "descent": 380,
               "heartRate": {"min": 130, "avg": 141, "max": 150}, "zones": {},
               "samples": {"heartRate": [\(hr.joined(separator: ","))], "cadence": [\(cadence.joined(separator: ","))],
                           "leftPedalCrankBasedPower": [\(power.joined(separator: ","))], "rr": [\(rr.joined(separator: ","))],
                           "recordedRoute": [\(route.joined(separator: ","))]}}]}
            """
    }
}

/// Small old-layout session files written by hand from POLAR_FORMATS.md §1.1–1.3, one quirk each.
public enum OldLayoutFixtures {
    /// A session with the given exercises (JSON objects) and optional top-level extras.
    public static func session(exercises: [String], sessionOffset: Int? = 180, extra: String = "") -> String {
        let offset = sessionOffset.map { "\"timeZoneOffset\": \($0)," } ?? ""
        return """
            {"exportVersion": "2.2", "name": "", "deviceId": "4A858829",
             "startTime": "2023-06-17T10:24:56.297", "stopTime": "2023-06-17T10:39:41.401", \(offset)
             "duration": "PT876.877S", "kiloCalories": 167, \(extra)
             "exercises": [\(exercises.joined(separator: ","))]}
            """
    }

    public static let snapshot = """
        "physicalInformationSnapshot": {"dateTime": "2023-07-10T02:14:04.000", "sex": "MALE", "birthday": "1990-04-02",
          "height, cm": 181.0, "weight, kg": 77.5, "vo2Max": 51, "maximumHeartRate": 193, "restingHeartRate": 48,
          "aerobicThreshold": 140, "anaerobicThreshold": 170, "sleepGoal": "PT28800S"},
        """

    /// An exercise with HR samples (some without `value`), a route, altitude with leading zeros.
    public static let runningExercise = """
        {"startTime": "2023-06-17T10:24:56.367", "stopTime": "2023-06-17T10:25:01.367", "timezoneOffset": 180,
         "duration": "PT5.000S", "distance": 157.89999389648438, "sport": "RUNNING", "kiloCalories": 3,
         "heartRate": {"min": 86, "avg": 90, "max": 95}, "zones": {},
         "samples": {
           "heartRate": [{"dateTime": "2023-06-17T10:24:56.367", "value": 86},
                         {"dateTime": "2023-06-17T10:24:57.367"},
                         {"dateTime": "2023-06-17T10:24:58.367", "value": 300},
                         {"dateTime": "2023-06-17T10:24:59.367", "value": 95.0},
                         {"dateTime": "2023-06-17T10:25:00.367", "value": 89}],
           "altitude": [{"dateTime": "2023-06-17T10:24:56.367", "value": 0.0},
                        {"dateTime": "2023-06-17T10:24:57.367", "value": 0.0},
                        {"dateTime": "2023-06-17T10:24:58.367", "value": 58.0},
                        {"dateTime": "2023-06-17T10:24:59.367", "value": 62.5},
                        {"dateTime": "2023-06-17T10:25:00.367"}],
           "recordedRoute": [{"dateTime": "2023-06-17T10:24:58.367", "longitude": 24.81871167, "latitude": 60.23398333, "altitude": 58.0},
                             {"dateTime": "2023-06-17T10:24:59.367", "longitude": 24.81881167, "latitude": 60.23408333, "altitude": 59.0}]
         }}
        """

    /// A manual entry: no samples, empty heart rate, round duration.
    public static let manualExercise = """
        {"startTime": "2023-06-18T18:00:00.000", "stopTime": "2023-06-18T22:00:00.000",
         "duration": "PT14400S", "sport": "TENNIS", "heartRate": {}, "samples": {}}
        """
}

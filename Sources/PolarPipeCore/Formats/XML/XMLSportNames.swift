/// Sports as TCX (`Sport="Running|Biking|Other"`) and GPX (`<type>`) files name them, mapped to Polar's enum names.
enum XMLSportNames {
    private static let aliases: [String: String] = [
        "BIKING": "CYCLING", "BIKE": "CYCLING", "RIDE": "CYCLING", "ROAD_BIKING": "ROAD_CYCLING",
        "INDOOR_BIKING": "INDOOR_CYCLING", "VIRTUALRIDE": "INDOOR_CYCLING", "RUN": "RUNNING", "WALK": "WALKING",
        "HIKE": "HIKING", "TREADMILL": "TREADMILL_RUNNING", "OTHER": "OTHER",
    ]

    /// `Running` → `RUNNING`, `Biking` → `CYCLING`, `road_biking` → `ROAD_CYCLING`; other names are normalised as
    /// Polar's own (`SportNames.normalise`).
    static func normalise(_ raw: String) -> String {
        let name = SportNames.normalise(raw)
        return aliases[name] ?? name
    }
}

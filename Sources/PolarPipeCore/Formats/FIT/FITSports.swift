/// FIT `sport` and `sub_sport` enum values → Polar's sport enum names (the names the other layouts use).
/// Values without a Polar counterpart become `FIT_SPORT_<n>`.
enum FITSports {
    /// By FIT sport; the sub-sport refines running, cycling, swimming and the gym sports below.
    static let bySport: [UInt8: String] = [
        0: "OTHER_OUTDOOR", 1: "RUNNING", 2: "CYCLING", 3: "TRANSITION", 4: "OTHER_INDOOR", 5: "SWIMMING",
        6: "BASKETBALL", 7: "FOOTBALL", 8: "TENNIS", 9: "AMERICAN_FOOTBALL", 10: "OTHER_INDOOR", 11: "WALKING",
        12: "CROSS_COUNTRY_SKIING", 13: "DOWNHILL_SKIING", 14: "SNOWBOARDING", 15: "ROWING", 16: "MOUNTAINEERING",
        17: "HIKING", 18: "MULTISPORT", 19: "PADDLING", 21: "INLINE_SKATING", 22: "CLIMBING", 25: "ICE_SKATING",
        26: "ROLLER_SKATING", 37: "STAND_UP_PADDLING", 38: "SURFING", 41: "KAYAKING", 47: "BOXING", 48: "FLOORBALL",
        64: "PADEL",
    ]

    /// (sport, sub-sport) pairs that name a more specific Polar sport.
    static let bySubSport: [UInt16: String] = [
        key(1, 1): "TREADMILL_RUNNING", key(1, 3): "TRAIL_RUNNING", key(1, 4): "TRACK_RUNNING",
        key(2, 5): "INDOOR_CYCLING", key(2, 6): "INDOOR_CYCLING", key(2, 7): "ROAD_CYCLING", key(2, 8): "MOUNTAIN_BIKING",
        key(2, 58): "INDOOR_CYCLING", key(5, 17): "POOL_SWIMMING", key(5, 18): "OPEN_WATER_SWIMMING",
        key(4, 14): "INDOOR_ROWING", key(4, 15): "ELLIPTICAL", key(4, 20): "STRENGTH_TRAINING",
        key(10, 20): "STRENGTH_TRAINING", key(10, 26): "CIRCUIT_TRAINING", key(10, 43): "YOGA", key(10, 44): "PILATES",
        key(11, 1): "TREADMILL_WALKING",
    ]

    static func key(_ sport: UInt8, _ subSport: UInt8) -> UInt16 { UInt16(sport) << 8 | UInt16(subSport) }

    /// The Polar name of FIT `sport`/`subSport`; nil sport reads as generic.
    static func name(sport: UInt8?, subSport: UInt8?) -> String {
        let s = sport ?? 0
        if let subSport, let name = bySubSport[key(s, subSport)] { return name }
        return bySport[s] ?? "FIT_SPORT_\(s)"
    }

    /// The sport as the file writes it: `sport/sub-sport` numbers (`2/6`), the sub-sport left out when absent.
    static func raw(sport: UInt8?, subSport: UInt8?) -> String {
        "\(sport ?? 0)" + (subSport.map { "/\($0)" } ?? "")
    }
}

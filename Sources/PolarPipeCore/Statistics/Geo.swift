import Foundation

/// Great-circle distances on a spherical Earth.
public enum Geo {
    /// Mean Earth radius used by SPEC §4.1, metres.
    public static let earthRadius = 6_371_008.8

    /// Haversine distance in metres between two points given in degrees.
    @inline(__always)
    public static func haversine(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let toRadians = Double.pi / 180
        let phi1 = lat1 * toRadians
        let phi2 = lat2 * toRadians
        let dPhi = (lat2 - lat1) * toRadians
        let dLambda = (lon2 - lon1) * toRadians
        let s1 = sin(dPhi / 2)
        let s2 = sin(dLambda / 2)
        let a = s1 * s1 + cos(phi1) * cos(phi2) * s2 * s2
        return 2 * earthRadius * asin(min(1, a.squareRoot()))
    }

    /// Sum of distances between consecutive points; nil with fewer than two points.
    public static func pathLength(latitude: [Double], longitude: [Double]) -> Double? {
        guard latitude.count >= 2 else { return nil }
        var total = 0.0
        for i in 1 ..< latitude.count {
            total += haversine(latitude[i - 1], longitude[i - 1], latitude[i], longitude[i])
        }
        return total
    }
}

/// The positions of a GPX document's track points, for callers outside decoding (the AccessLink sync adds an
/// exercise's GPX route to its JSON). Same parser and limits as `GPXDecoder`.
public enum GPXTrack {
    public struct Point: Sendable, Equatable {
        /// UTC epoch milliseconds; nil when the point has no (valid) time.
        public var utcMillis: Int64?
        public var latitude: Double
        public var longitude: Double
        public var elevation: Double?
    }

    /// The track points that have a valid position, in document order; nil when the document is not readable GPX.
    public static func points(_ bytes: [UInt8], limits: InputLimits = InputLimits()) -> [Point]? {
        let handler = GPXHandler()
        var ignored = FieldReader()
        guard bytes.count <= limits.maxFileBytes, XMLStreamReader.read(bytes, limits: limits, handler: handler, reader: &ignored) != nil,
              handler.rootIsGPX else { return nil }
        return handler.points.compactMap { p in
            guard let lat = p.fields.latitude, let lon = p.fields.longitude else { return nil }
            return Point(utcMillis: p.time?.utcMillis, latitude: lat, longitude: lon, elevation: p.fields.altitude)
        }
    }
}

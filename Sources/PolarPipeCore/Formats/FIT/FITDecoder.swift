/// Decodes a FIT activity file (Garmin's binary format, as Polar, Garmin, Wahoo, Suunto and COROS devices write
/// it) into a `TrainingSession`: `FITMessageReader` walks the bytes, `FITSessionMapping` makes the exercises.
///
/// A file that ends before the data its header announces is quarantined (`fit-truncated`): the summary messages
/// a device writes last are missing, and the complete file the device keeps can be loaded later. A CRC that does not
/// match is only a warning when everything decodes. A file with an undefined message or an impossible definition is
/// `fit-corrupt`.
enum FITDecoder {
    static func decode(_ bytes: [UInt8], reader: inout FieldReader) -> TrainingSession? {
        guard let activity = FITMessageReader.read(bytes, reader: &reader) else { return nil }
        return FITSessionMapping.session(activity, reader: &reader)
    }
}

@testable import PolarPipeCore

/// The JSON tape on its own: every value of a parsed document can be read, and every byte range lies inside it.
enum TapeWalk {
    static func check(_ bytes: [UInt8]) {
        guard let document = try? JSONParser.parse(bytes) else { return }
        _ = LayoutDetector.detect(document.root)
        var pending = [document.root]
        var visited = 0
        while let value = pending.popLast() {
            visited += 1
            let range = value.byteRange
            require(range.lowerBound >= 0 && range.upperBound <= document.bytes.count && range.lowerBound <= range.upperBound,
                    "byte range \(range) outside a document of \(document.bytes.count) bytes")
            switch value.kind {
            case .string:
                require(value.string != nil, "a string node without a string")
            case .number:
                let number = value.double
                require(number?.isFinite == true, "a number node that does not read as a finite number")
                _ = value.int
            case .object:
                var members = 0
                for (key, member) in value.members {
                    _ = key.utf8.count
                    pending.append(member)
                    members += 1
                }
                require(members == value.count, "an object's count differs from its members")
            case .array:
                var elements = 0
                for element in value.elements {
                    pending.append(element)
                    elements += 1
                }
                require(elements == value.count, "an array's count differs from its elements")
            case .true, .false, .null, .nan:
                break
            }
        }
        require(visited <= document.nodeCount, "visited \(visited) values of a tape of \(document.nodeCount) nodes")
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element's name as the namespace-aware parser reports it: the namespace URI (empty when the element has none,
/// or when its prefix is not declared) and the local name without any prefix.
struct XMLName: Equatable {
    var namespace: String
    var local: String
}

/// Receives the elements of a document in order. `text` is the character data directly inside the element since its
/// last child element (for leaf elements: all of it), white space trimmed.
protocol XMLContentHandler: AnyObject {
    func start(_ name: XMLName, attributes: [String: String])
    func end(_ name: XMLName, text: String)
}

/// Why a document could not be read: `code` is the quarantine reason.
struct XMLReadError: Error, Equatable {
    /// `xml-invalid`, `xml-encoding`, `xml-dtd`, `xml-too-deep` or `too-many-values`.
    var code: String
    var message: String
}

/// Streaming (SAX) reading of an XML training file on FoundationXML's `XMLParser`, with the limits Polar JSON files
/// have: nesting depth (`maxJSONDepth`) and a budget of elements and attributes (`maxJSONValues`; the size limit is
/// checked before decoding). Document type declarations are refused outright, so neither internal entities (the
/// "billion laughs") nor external ones are ever expanded; external entities are also switched off in the parser.
///
/// Namespaces are resolved here from the `xmlns` attributes in scope rather than by the parser (whose namespace
/// processing costs about 40 % of the parse on Linux). An undeclared prefix (`gpxdata:hr` without `xmlns:gpxdata`) is
/// tolerated: the element then has no namespace and its local name (`hr`), and `undeclaredPrefix` is set so the
/// decoder can warn.
final class XMLStreamReader: NSObject, XMLParserDelegate {
    private let handler: any XMLContentHandler
    private let maxDepth: Int
    private let maxNodes: Int
    private var depth = 0
    private var nodes = 0
    private var text = ""
    /// Prefix → namespace URI of the open elements, innermost last ("" is the default namespace).
    private var scopes: [[String: String]] = [[:]]
    private var failure: XMLReadError?
    private(set) var undeclaredPrefix = false

    private init(handler: any XMLContentHandler, limits: InputLimits) {
        self.handler = handler
        maxDepth = limits.maxJSONDepth
        maxNodes = limits.maxJSONValues
    }

    /// Parses `bytes`, calling `handler` for every element. Returns whether an undeclared prefix was met.
    @discardableResult
    static func read(_ bytes: [UInt8], limits: InputLimits, handler: any XMLContentHandler) throws(XMLReadError) -> Bool {
        guard let prolog = XMLProlog.scan(bytes) else {
            throw XMLReadError(code: "xml-invalid", message: "no root element at the start of the document")
        }
        if !prolog.hasReadableEncoding {
            throw XMLReadError(code: "xml-encoding", message: "the document declares the encoding '\(prolog.declaredEncoding ?? "")'; "
                               + "XML training files are read in UTF-8 (or ASCII or ISO-8859-1)")
        }
        if prolog.hasDocumentType {
            throw XMLReadError(code: "xml-dtd", message: "the document has a document type declaration (DTD); training files have none and DTDs are refused")
        }
        let reader = XMLStreamReader(handler: handler, limits: limits)
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        _ = parser.parse()
        if let failure = reader.failure { throw failure }
        if reader.depth != 0 {
            throw XMLReadError(code: "xml-invalid", message: "the document ends inside an element (line \(parser.lineNumber))")
        }
        return reader.undeclaredPrefix
    }

    /// `read`, its failure recorded as an error at `$` in `reader`: whether an undeclared prefix was met, or nil when
    /// the document could not be read.
    static func read(_ bytes: [UInt8], limits: InputLimits, handler: any XMLContentHandler, reader: inout FieldReader) -> Bool? {
        do {
            return try read(bytes, limits: limits, handler: handler)
        } catch {
            reader.error(error.code, "$", error.message)
            return nil
        }
    }

    private func fail(_ parser: XMLParser, _ code: String, _ message: String) {
        guard failure == nil else { return }
        failure = XMLReadError(code: code, message: message)
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        depth += 1
        nodes += 1 + attributes.count
        if depth > maxDepth {
            return fail(parser, "xml-too-deep", "elements are nested deeper than \(maxDepth) (line \(parser.lineNumber))")
        }
        if nodes > maxNodes {
            return fail(parser, "too-many-values", "more than \(maxNodes) elements and attributes")
        }
        text = ""
        var scope = scopes[scopes.count - 1]
        for (key, value) in attributes where key.hasPrefix("xmlns") {
            if key == "xmlns" { scope[""] = value } else if key.hasPrefix("xmlns:") { scope[String(key.dropFirst(6))] = value }
        }
        scopes.append(scope)
        handler.start(name(elementName), attributes: attributes)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        depth -= 1
        let content = Self.trimmed(text)
        text = ""
        let resolved = name(elementName)
        if scopes.count > 1 { scopes.removeLast() }
        handler.end(resolved, text: content)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if failure == nil { text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if failure == nil { text += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? { nil }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        let code = (parseError as NSError).code
        // libxml2's namespace errors (200–205) and namespace warnings (99, 100) leave the document readable.
        if (200 ... 205).contains(code) || code == 99 || code == 100 {
            undeclaredPrefix = true
            return
        }
        fail(parser, "xml-invalid", "not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber) (parser error \(code))")
    }

    func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {}

    /// The namespace and local name of a qualified name, in the innermost scope.
    private func name(_ qualified: String) -> XMLName {
        let scope = scopes[scopes.count - 1]
        let utf8 = qualified.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else { return XMLName(namespace: scope[""] ?? "", local: qualified) }
        let local = String(qualified[utf8.index(after: colon)...])
        guard let namespace = scope[String(qualified[..<colon])] else {
            undeclaredPrefix = true
            return XMLName(namespace: "", local: local)
        }
        return XMLName(namespace: namespace, local: local)
    }

    /// `text` without leading and trailing XML white space (space, tab, CR, LF); much cheaper than Foundation's
    /// `trimmingCharacters`, which this runs once an element.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return text }
        return String(text[first ... last])
    }
}

/// JSON validation, and a hash of a JSON value that is equal exactly when two texts hold
/// the same value as `jsonb` sees it: whitespace and key order do not matter, the last of
/// duplicate keys wins, strings compare by their characters (however escaped), numbers by
/// value (`1`, `1.0` and `1e0` alike; integers beyond 64 bits by their Double value).
///
/// Hand-written on top of the row parser. Foundation's JSONSerialization builds bridged
/// `Any` trees, and an earlier canonical text form (keys sorted, one allocation per
/// member) still took a quarter of a verified load; this hashes as it parses, keeping only
/// (key hash, value hash) pairs of the open objects in one reused buffer.
/// Computes these hashes; reuse one for many values (its buffers stay allocated).
/// Not thread-safe.
final class JSONHasher {
    /// Deeper nesting is refused (as the row parser refuses it).
    static let maxDepth = 512
    /// (key hash, position, value hash) of the members of every object being parsed.
    private var members: [(key: UInt64, position: Int, value: UInt64)] = []
    private var scratch: [UInt8] = []
    /// The last value hashed had an object with a key twice (jsonb keeps only the last).
    private(set) var lastHadDuplicateKeys = false
    /// The last value hashed had a string holding U+0000 (jsonb refuses it).
    private(set) var lastHadNulEscape = false

    init() {
        members.reserveCapacity(64)
        scratch.reserveCapacity(256)
    }

    /// The hash of the JSON value `bytes` holds, or nil when it is not one valid JSON value.
    func hash(_ buffer: UnsafeBufferPointer<UInt8>) -> UInt64? {
        // The buffers move into locals for the parse: a class's stored property is checked
        // for exclusive access at every use, which cost more than the hashing.
        var state = State(members: members, scratch: scratch)
        members = []
        scratch = []
        defer {
            (members, scratch) = (state.members, state.scratch)
            (lastHadDuplicateKeys, lastHadNulEscape) = (state.duplicateKeys, state.nul)
        }
        state.members.removeAll(keepingCapacity: true)
        var parser = RowDecoder.Parser(bytes: buffer)
        guard let value = try? Self.hashValue(&parser, &state, depth: 0) else { return nil }
        parser.skipSpace()
        return parser.i == buffer.count ? value : nil
    }

    private struct State {
        var members: [(key: UInt64, position: Int, value: UInt64)]
        var scratch: [UInt8]
        var duplicateKeys = false
        var nul = false
    }

    func hash(_ bytes: [UInt8]) -> UInt64? { bytes.withUnsafeBufferPointer { hash($0) } }

    private static let prime: UInt64 = 0x9E37_79B9_7F4A_7C15

    private static func hashValue(_ p: inout RowDecoder.Parser, _ state: inout State, depth: Int) throws(RowDecoder.Failure) -> UInt64 {
        guard depth < JSONHasher.maxDepth else { throw p.fail("JSON nested too deeply") }
        p.skipSpace()
        guard let c = p.current else { throw p.fail("expected a JSON value") }
        switch c {
        case UInt8(ascii: "{"):
            p.i += 1
            let start = state.members.count
            p.skipSpace()
            if p.current == UInt8(ascii: "}") { p.i += 1 } else {
                while true {
                    p.skipSpace()
                    guard p.current == UInt8(ascii: "\"") else { throw p.fail("expected an object key") }
                    let key = try hashString(&p, &state)
                    try p.expect(UInt8(ascii: ":"))
                    let value = try hashValue(&p, &state, depth: depth + 1)
                    state.members.append((key, state.members.count, value))
                    p.skipSpace()
                    guard let next = p.current else { throw p.fail("object is not closed") }
                    p.i += 1
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw p.fail("expected ',' or '}'") }
                }
            }
            // Sorted by key (then position), the last of equal keys kept, as jsonb keeps it.
            state.members[start...].sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
            var h: UInt64 = 0x6F62_6A65_6374
            var count: UInt64 = 0
            let members = state.members
            for index in start..<members.count {
                guard index + 1 == members.count || members[index + 1].key != members[index].key else {
                    state.duplicateKeys = true
                    continue
                }
                h = Hash64.mix(h &* prime ^ Hash64.mix(members[index].key ^ members[index].value &* 0xC2B2_AE3D_27D4_EB4F))
                count += 1
            }
            state.members.removeSubrange(start...)
            return Hash64.mix(h ^ count)
        case UInt8(ascii: "["):
            p.i += 1
            var h: UInt64 = 0x6172_7261_79
            var count: UInt64 = 0
            p.skipSpace()
            if p.current == UInt8(ascii: "]") { p.i += 1 } else {
                while true {
                    h = Hash64.mix(h &* prime ^ (try hashValue(&p, &state, depth: depth + 1)))
                    count += 1
                    p.skipSpace()
                    guard let next = p.current else { throw p.fail("array is not closed") }
                    p.i += 1
                    if next == UInt8(ascii: "]") { break }
                    guard next == UInt8(ascii: ",") else { throw p.fail("expected ',' or ']'") }
                }
            }
            return Hash64.mix(h ^ count)
        case UInt8(ascii: "\""):
            return try hashString(&p, &state)
        case UInt8(ascii: "t"):
            try p.literal("true"); return 0x7472_7565
        case UInt8(ascii: "f"):
            try p.literal("false"); return 0x6661_6C73_65
        case UInt8(ascii: "n"):
            try p.literal("null"); return 0x6E75_6C6C
        default:
            let start = p.i
            let number: Double
            do {
                switch try p.number() {
                case .integer(let v): number = Double(v)
                case .real(let v): number = v
                default: throw p.fail("expected a number")
                }
            } catch {
                // Integers beyond 64 bits are valid JSON: compare them by their Double value.
                p.i = start
                guard let parsed = p.bigNumber() else { throw p.fail("invalid number") }
                number = parsed
            }
            return Hash64.number(number)
        }
    }

    /// The hash of a string's characters (escapes resolved).
    private static func hashString(_ p: inout RowDecoder.Parser, _ state: inout State) throws(RowDecoder.Failure) -> UInt64 {
        state.scratch.removeAll(keepingCapacity: true)
        if try p.string(into: &state.scratch) { state.nul = true }
        return Hash64.mix(state.scratch.withUnsafeBytes { Hash64.bytes($0) } ^ 0x7374_7269_6E67)
    }
}

extension RowDecoder.Parser {
    /// A JSON number too large for the row format's rules, read as a Double.
    mutating func bigNumber() -> Double? {
        let start = i
        while let c = current, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || (0x30...0x39).contains(c) { i += 1 }
        guard i > start else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
    }
}

import Crypto

/// Lowercase hexadecimal digits, for checksums, bytea values and escapes.
enum HexDigits {
    static let table: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends two digits per byte.
    static func append<S: Sequence<UInt8>>(_ bytes: S, to out: inout [UInt8]) {
        for b in bytes { out.append(table[Int(b >> 4)]); out.append(table[Int(b & 0xF)]) }
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        var out: [UInt8] = []
        HexDigits.append(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    mutating func finalizeHex() -> String { finalize().hexString }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: bytes)
        return hasher.finalizeHex()
    }
}

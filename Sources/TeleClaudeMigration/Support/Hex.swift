import Crypto

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
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

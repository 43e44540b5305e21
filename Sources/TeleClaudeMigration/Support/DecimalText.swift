/// The decimal digits of an integer, written straight into bytes: the archive's integers,
/// COPY's integers and the read-back's hashes of integers held as text all need them in
/// hot loops, where `String(v)` would allocate.
enum DecimalText {
    /// Calls `body` with the digits (and sign) of `value`, built in 24 bytes of stack.
    static func withDigits<R>(_ value: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw in
            var magnitude = value.magnitude
            var start = 24
            repeat {
                start -= 1
                raw[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                raw[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[start...]))
        }
    }

    static func append(_ value: Int64, to out: inout [UInt8]) {
        withDigits(value) { out.append(contentsOf: $0) }
    }
}

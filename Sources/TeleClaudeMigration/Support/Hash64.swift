/// The 64-bit hashes the read-back compares values by (`ContentCheck`, `JSONHasher`,
/// `DecimalNumber`): the same value gives the same hash on every machine and in every run.
enum Hash64 {
    /// A number by value: -0 and 0 are the same, and so is every NaN.
    static func number(_ value: Double) -> UInt64 {
        let canonical = value == 0 ? 0 : value.isNaN ? Double.nan : value
        return mix(canonical.bitPattern ^ 0x2222_2222_2222_2222)
    }

    static func bytes(_ array: [UInt8]) -> UInt64 {
        array.withUnsafeBytes { Hash64.bytes($0) }
    }

    /// Eight bytes a step with a multiply-rotate round and a final avalanche (the
    /// murmur3 finalizer). Hand-written: swift-crypto's SHA-256 is ten times slower here,
    /// and Swift's Hasher is seeded per process, which would make a difference look random.
    static func bytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(bytes.count) &* 0xC2B2_AE3D_27D4_EB4F)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ (word &* 0x87C3_7B91_1142_53D5)) &* 0x4CF5_AD43_2745_937F
            h = (h << 27) | (h >> 37)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h ^= tail &* 0x87C3_7B91_1142_53D5
        return mix(h)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

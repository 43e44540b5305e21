/// The limits a target type's modifier sets, applied to a converted value: a float's
/// precision, `numeric(p,s)`, `timestamp(p)`, `varchar(n)`, `char(n)` and `name`. Each
/// either keeps the value, refuses it, or (for a column that accepts changes) gives the
/// value PostgreSQL will hold, as `ValueConverter` describes.
extension ValueConverter {
    /// A number written as text, as real or double precision holds it; refused when the
    /// float does not hold the same decimal (more digits than it keeps) unless accepted.
    func textFloat(_ bytes: UnsafeBufferPointer<UInt8>, accept: Bool) throws(Failure) -> Double {
        let text = Self.trimmed(bytes)
        guard let number = DecimalNumber.parse(bytes), let double = Double(text) else { throw Failure(reason: "the text is not a number") }
        if binaryForm == .float4 {
            guard let single = Float(text), number.special != nil || single.isFinite else {
                throw Failure(reason: "the number is outside the range of real (float4)")
            }
            if DecimalNumber.parse(single.description) != number, number.special == nil {
                try change(.roundedToReal, "the number has more digits than real (float4) keeps", accept: accept)
            }
            return Double(single)
        }
        guard number.special != nil || double.isFinite else { throw Failure(reason: "the number is outside the range of double precision") }
        if number.special == nil, DecimalNumber.parse(double.description) != number {
            try change(.roundedToDouble, "the number has more digits than double precision keeps", accept: accept)
        }
        return double
    }

    /// A number within `numeric(p,s)`: rounded to s digits after the point (a change), and
    /// refused when it has more than p - s digits before it.
    func fitNumeric(_ number: DecimalNumber, accept: Bool) throws(Failure) -> DecimalNumber {
        guard let (precision, scale) = type.numericLimit else { return number }
        if number.special == .infinity || number.special == .negativeInfinity {
            throw Failure(reason: "\(type.shownName) holds no infinity")
        }
        // A number that does not fit even rounded is refused as such (no flag takes it).
        let fitted = number.rounded(toScale: scale)
        guard fitted.integerDigits <= precision - scale else {
            throw Failure(reason: "the number has \(fitted.integerDigits) digits before the point and \(type.shownName) holds \(precision - scale)")
        }
        if fitted != number {
            try change(.roundedToScale, "the number has more than \(scale) digit(s) after the point that \(type.shownName) keeps", accept: accept)
        }
        return fitted
    }

    /// A timestamp within `timestamp(p)`: rounded to p fraction digits (a change).
    func fitSeconds(_ micros: Int64, accept: Bool) throws(Failure) -> Int64 {
        guard micros >= Self.earliestMicros else { throw Failure(reason: "the instant is before 4714 BC, the earliest PostgreSQL holds") }
        let precision = type.secondsPrecision
        guard precision < 6 else { return micros }
        var unit: Int64 = 1
        for _ in precision..<6 { unit *= 10 }
        guard micros % unit != 0 else { return micros }
        try change(.roundedFraction, "\(type.shownName) keeps \(precision) digit(s) of the seconds' fraction", accept: accept)
        let half = unit / 2
        return micros >= 0 ? (micros + half) / unit * unit : -((-micros + half) / unit * unit)
    }

    /// Text within the column's length limit (`varchar(n)`, `char(n)`, `name`).
    func fitText(_ bytes: UnsafeBufferPointer<UInt8>, accept: Bool) throws(Failure) -> Converted {
        guard type.textLimit != .none else { return .bytes(bytes) }
        let (keep, pad) = try textFit(bytes, accept: accept)
        if pad > 0 { return .owned(Array(bytes) + Array(repeating: 0x20, count: pad)) }
        return .bytes(keep == bytes.count ? bytes : UnsafeBufferPointer(rebasing: bytes[..<keep]))
    }

    func fitOwnedText(_ bytes: [UInt8], accept: Bool) throws(Failure) -> Converted {
        guard type.textLimit != .none else { return .owned(bytes) }
        let (keep, pad) = try bytes.withUnsafeBufferPointer { buffer throws(Failure) in try textFit(buffer, accept: accept) }
        return .owned(Array(bytes[..<keep]) + Array(repeating: 0x20, count: pad))
    }

    /// How many bytes of the text the column keeps, and how many spaces it pads.
    func textFit(_ bytes: UnsafeBufferPointer<UInt8>, accept: Bool) throws(Failure) -> (keep: Int, pad: Int) {
        // Characters, as PostgreSQL counts them: UTF-8 bytes that do not continue one.
        func end(ofCharacters n: Int) -> (end: Int, count: Int) {
            var count = 0
            for (index, b) in bytes.enumerated() where b & 0xC0 != 0x80 {
                if count == n { return (index, count) }
                count += 1
            }
            return (bytes.count, count)
        }
        switch type.textLimit {
        case .none:
            return (bytes.count, 0)
        case .varchar(let n), .bpchar(let n):
            let (cut, count) = end(ofCharacters: n)
            if cut < bytes.count {
                guard bytes[cut...].allSatisfy({ $0 == 0x20 }) else {
                    throw Failure(reason: "the text is longer than the \(n) characters \(type.shownName) holds")
                }
                try change(.cutSpaces, "the text is longer than \(type.shownName) and PostgreSQL cuts its trailing spaces", accept: accept)
                return (cut, 0)
            }
            if case .bpchar = type.textLimit, count < n {
                try change(.padded, "\(type.shownName) pads a shorter text with spaces", accept: accept)
                return (bytes.count, n - count)
            }
            return (bytes.count, 0)
        case .name:
            guard bytes.count > 63 else { return (bytes.count, 0) }
            try change(.cutName, "the text is longer than the 63 bytes a name holds", accept: accept)
            var cut = 63
            while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            return (cut, 0)
        }
    }
}

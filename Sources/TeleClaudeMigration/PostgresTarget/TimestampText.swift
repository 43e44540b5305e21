import Foundation

/// The timestamp spellings SQLite databases hold (`2025-01-01 10:00:00`,
/// `2025-01-01T10:00:00.123456+00:00`, `…Z`, `…+0530`, a bare date), parsed to an exact
/// instant. Hand-written because the rules are the migration's own (no offset means the
/// naive zone, fractions to the microsecond) and Foundation's ISO 8601 parser accepts
/// neither the space separator nor more than three fraction digits.
public enum TimestampText {
    public struct Parsed: Equatable {
        /// Microseconds since 1970-01-01 00:00:00 in the written wall time (offset not applied).
        public var localMicroseconds: Int64
        /// The written offset in seconds east of UTC, nil when none was written.
        public var offsetSeconds: Int?
        /// The fraction had digits past the microsecond that are not zero (the value is rounded).
        public var subMicrosecond = false
    }

    public static func parse(_ bytes: [UInt8]) -> Parsed? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Parsed? {
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for k in 0..<count {
                let b = bytes[i + k]
                guard b >= 0x30 && b <= 0x39 else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            i += count
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0, subMicrosecond = false
        if i < bytes.count {
            guard bytes[i] == 0x20 || bytes[i] == UInt8(ascii: "T") else { return nil }
            i += 1
            guard let h = digits(2), expect(0x3A), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h; minute = m
            if expect(0x3A) {
                guard let s = digits(2), s < 60 else { return nil }
                second = s
                if expect(0x2E) {
                    var count = 0
                    var fraction = 0
                    var roundUp = false
                    while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                        if count < 6 { fraction = fraction * 10 + Int(bytes[i] - 0x30) }
                        else if count == 6 { roundUp = bytes[i] >= 0x35 }
                        if count >= 6, bytes[i] != 0x30 { subMicrosecond = true }
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                    for _ in count..<max(count, 6) { fraction *= 10 }
                    micros = fraction + (roundUp ? 1 : 0)
                }
            }
        }
        var offset: Int?
        if i < bytes.count {
            if bytes[i] == UInt8(ascii: "Z") || bytes[i] == UInt8(ascii: "z") {
                i += 1
                offset = 0
            } else if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let h = digits(2), h <= 15 else { return nil }
                var m = 0
                if expect(0x3A) {
                    guard let value = digits(2) else { return nil }
                    m = value
                } else if i < bytes.count {
                    guard let value = digits(2) else { return nil }
                    m = value
                }
                guard m < 60 else { return nil }
                offset = sign * (h * 3600 + m * 60)
            }
        }
        guard i == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Parsed(localMicroseconds: seconds * 1_000_000 + Int64(micros), offsetSeconds: offset, subMicrosecond: subMicrosecond)
    }

    /// The UTC instant, in microseconds since the epoch, applying `naiveZone` when no offset was written.
    public static func utcMicroseconds(_ parsed: Parsed, naiveZone: TimeZone) -> Int64 {
        utcMicroseconds(parsed, naiveZone: naiveZone, naiveIsUTC: isUTC(naiveZone))
    }

    static func isUTC(_ zone: TimeZone) -> Bool { zone.identifier == "UTC" || zone.identifier == "GMT" }

    /// `naiveIsUTC` is `isUTC(naiveZone)`, worked out once by callers in a hot loop.
    static func utcMicroseconds(_ parsed: Parsed, naiveZone: TimeZone, naiveIsUTC: Bool) -> Int64 {
        if let offset = parsed.offsetSeconds { return parsed.localMicroseconds - Int64(offset) * 1_000_000 }
        if naiveIsUTC { return parsed.localMicroseconds }
        // The zone's offset at that wall time (approximated by the offset at the same instant in UTC).
        let approximate = Date(timeIntervalSince1970: TimeInterval(parsed.localMicroseconds / 1_000_000))
        let offset = naiveZone.secondsFromGMT(for: approximate.addingTimeInterval(-TimeInterval(naiveZone.secondsFromGMT(for: approximate))))
        return parsed.localMicroseconds - Int64(offset) * 1_000_000
    }

    /// Appends `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, without building a String.
    static func append(utcMicroseconds value: Int64, dateOnly: Bool = false, to out: inout [UInt8]) {
        let micros = ((value % 1_000_000) + 1_000_000) % 1_000_000
        let seconds = (value - micros) / 1_000_000
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let days = (seconds - secondOfDay) / 86_400
        let (y, m, d) = civilFromDays(Int(days))
        @inline(__always) func digits(_ v: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            if v >= divisor * 10 { out.append(contentsOf: String(v).utf8); return }  // years past 9999
            var rest = v
            while divisor > 0 {
                out.append(UInt8(0x30 + rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        if y < 0 { out.append(contentsOf: String(y).utf8) } else { digits(y, 4) }
        out.append(0x2D); digits(m, 2); out.append(0x2D); digits(d, 2)
        if dateOnly { return }
        out.append(0x20); digits(Int(secondOfDay / 3600), 2); out.append(0x3A)
        digits(Int(secondOfDay % 3600 / 60), 2); out.append(0x3A); digits(Int(secondOfDay % 60), 2)
        if micros > 0 { out.append(0x2E); digits(Int(micros), 6) }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (`YYYY-MM-DD` with `dateOnly`).
    public static func format(utcMicroseconds value: Int64, dateOnly: Bool = false) -> String {
        var out: [UInt8] = []
        append(utcMicroseconds: value, dateOnly: dateOnly, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Epoch integers: the unit follows the magnitude (format-spec.md / README rule):
    /// below 10¹¹ seconds, below 10¹⁴ milliseconds, below 10¹⁷ microseconds, else nanoseconds.
    public static func microseconds(fromEpoch value: Int64) -> Int64 {
        let magnitude = value.magnitude
        if magnitude < 100_000_000_000 { return value * 1_000_000 }
        if magnitude < 100_000_000_000_000 { return value * 1_000 }
        if magnitude < 100_000_000_000_000_000 { return value }
        return value / 1_000
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's `days_from_civil`.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

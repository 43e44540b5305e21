/// "did you mean ...?" for a name that is not among the known ones: the closest by edits,
/// when it is close enough to be a typing mistake.
enum Suggestion {
    /// ` (did you mean NAME?)`, or "" when no name is close.
    static func didYouMean(_ name: String, among known: [String]) -> String {
        guard let closest = known.min(by: { distance(name, $0) < distance(name, $1) }),
              distance(name, closest) <= max(3, name.count / 3) else { return "" }
        return " (did you mean \(closest)?)"
    }

    /// Edits (insert, delete, replace a character) from one name to another.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let kept = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = kept
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

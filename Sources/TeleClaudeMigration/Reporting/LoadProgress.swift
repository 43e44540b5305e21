import Foundation

/// Progress of a load on standard error. On a terminal (`--progress auto`), one line
/// redrawn at most five times a second: the phase (COPY, checks, read-back, indexes,
/// finish, commit), the table, its rows and all rows of the archive's total, the rate and
/// the time left. With `--progress plain` (logs), one line per finished phase of each table
/// and of the end. Nothing with `-q` or `--progress none`.
final class LoadProgress {
    typealias Style = LoadOptions.Progress

    private let console: Console
    private let style: Style
    var totalRows: Int64
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var phaseStarted = Date()
    private var table = ""
    private var tableRows: Int64 = 0
    private var doneRows: Int64 = 0
    private var currentRows: Int64 = 0
    private var phase = ""

    /// `during COPY of sessions`: where the load is, for a message about a stop.
    var `where`: String {
        phase.isEmpty ? "before the first table" : "during " + phase + (table.isEmpty ? "" : " of " + table)
    }

    init(console: Console, style: Style, totalRows: Int64) {
        self.console = console
        self.style = console.quiet ? .none : style
        self.totalRows = totalRows
    }

    private var drawing: Bool { style == .auto && console.interactive }

    func beginTable(_ name: String, rows: Int64) {
        finishPhase()  // the last phase of the previous table, under its own name
        doneRows += currentRows
        currentRows = 0
        table = name
        tableRows = rows
        enter("COPY")
    }

    /// Counts rows as they are converted; draws now and then.
    @inline(__always)
    func row() {
        currentRows += 1
        if currentRows & 1023 == 0 { draw(force: false) }
    }

    /// A new phase of the current table (or of the end, with no table).
    func enter(_ phase: String, table: String? = nil) {
        finishPhase()
        if let table { self.table = table; tableRows = 0 }
        self.phase = phase
        phaseStarted = Date()
        draw(force: true)
    }

    /// The last phase's line in plain mode; the redrawn line cleared.
    func finish() {
        finishPhase()
        phase = ""
        if drawing { console.endProgress() }
    }

    /// The phase's line: always with `--progress plain`, else as a detail (`-v`, `--log`).
    private func finishPhase() {
        guard !phase.isEmpty, style == .plain || console.wantsDetails else { return }
        let seconds = Units.seconds(Date().timeIntervalSince(phaseStarted))
        let rows = phase == "COPY" ? " \(Units.count(currentRows)) rows," : ""
        let line = "\(phase)\(table.isEmpty ? "" : " " + table):\(rows) \(seconds)"
        phase = ""
        if style == .plain { console.info(line) } else { console.detail(line) }
    }

    private func draw(force: Bool) {
        guard drawing else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let done = doneRows + currentRows
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        let left = rate > 0 && totalRows > done ? " | \(Units.duration(Double(totalRows - done) / rate)) left" : ""
        let percent = totalRows > 0 ? " (\(done * 100 / totalRows)%)" : ""
        let tablePart = phase == "COPY" && tableRows > 0 ? " \(Units.count(currentRows))/\(Units.count(tableRows)) rows |" : ""
        console.progress("\(phase) \(table):\(tablePart) \(Units.count(done))/\(Units.count(totalRows)) rows\(percent), \(Units.count(Int64(rate)))/s\(left)")
    }
}

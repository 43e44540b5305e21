import Foundation

/// Progress of an export on standard error: table, rows, bytes and rate, at most five
/// times a second, and only when standard error is a terminal.
final class ExportProgress {
    private let console: Console
    private let totalRows: Int64
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var table = ""
    private var tableRows: Int64 = 0
    private var doneRows: Int64 = 0
    private var doneBytes: Int64 = 0
    private var currentRows: Int64 = 0
    private var currentBytes: Int64 = 0

    init(console: Console, totalRows: Int64) {
        self.console = console
        self.totalRows = totalRows
    }

    private var tableStarted = Date()

    func beginTable(_ name: String, rows: Int64) {
        finishTable()
        tableStarted = Date()
        doneRows += currentRows
        doneBytes += currentBytes
        currentRows = 0
        currentBytes = 0
        table = name
        tableRows = rows
        draw(force: true)
    }

    func advance(rows: Int64, bytes: Int64) {
        currentRows = rows
        currentBytes = bytes
        draw(force: false)
    }

    func finish() {
        finishTable()
        table = ""
        console.endProgress()
    }

    /// The table's time, for `-v` and `--log`.
    private func finishTable() {
        guard !table.isEmpty, console.wantsDetails else { return }
        console.detail("read \(table): \(Units.count(currentRows)) rows, \(Units.bytes(currentBytes)), \(Units.seconds(Date().timeIntervalSince(tableStarted)))")
    }

    private func draw(force: Bool) {
        guard console.interactive, !console.quiet else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let bytes = doneBytes + currentBytes
        let rate = Units.bytes(Int64(Double(bytes) / elapsed))
        console.progress("\(table): \(Units.count(currentRows))/\(Units.count(tableRows)) rows | total \(Units.count(doneRows + currentRows))/\(Units.count(totalRows)) rows, \(Units.bytes(bytes)), \(rate)/s")
    }
}

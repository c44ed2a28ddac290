import Glibc
import SystemSupport

/// Turns the guest's raw measurements into the comparison table.
///
/// Raw file: one measurement per line, `case,metric,unit,better,impl,rep,value` with impl `c`, `ours`
/// or `n/a` (a case whose feature has not landed); lines starting with `#` are `# key=value` notes
/// (kernel, repetitions, ...), copied to the Markdown.
enum Summary {
    struct Row {
        var caseID: String
        var metric: String
        var unit: String
        var better: String
        var c: [Double] = []
        var ours: [Double] = []
        var notAvailable = false

        /// Each repetition's values, to pair C and ours measured back to back.
        var cByRep: [String: Double] = [:]
        var oursByRep: [String: Double] = [:]

        var ratio: Double { median(ours) / median(c) }
        /// The median of the per-repetition ratios: C and ours of one repetition ran within seconds of
        /// each other, so a host that slows down for a while slows both, and the pair's ratio stays.
        var pairedRatio: Double {
            median(cByRep.compactMap { rep, c in oursByRep[rep].map { $0 / c } }.filter(\.isFinite))
        }
    }

    static func run(_ options: Options) throws {
        let rawPath = try options.string("raw")
        guard let text = System.readFile(rawPath) else { throw LabError("cannot read \(rawPath)") }
        let parsed = parseRows(text)
        var rows = parsed.rows
        let notes = parsed.notes
        rows.sort { (Int($0.caseID) ?? 99) < (Int($1.caseID) ?? 99) }

        let header = ["case", "metric", "unit", "better", "C median", "C min", "C max",
                      "ours median", "ours min", "ours max", "ratio ours/C", "paired ratio", "n C", "n ours"]
        var table: [[String]] = []
        var csv = [header.joined(separator: ",")]
        for row in rows {
            let cells = Self.cells(row)
            table.append(cells)
            csv.append(cells.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ","))
        }

        // The terminal table: case, metric, C median [min-max], ours median [min-max], ratios.
        let terminal = [["case", "metric", "C median [min..max]", "ours median [min..max]", "ours/C", "paired"]] + table.map {
            [$0[0], "\($0[1]) (\($0[2]), \($0[3]) better)",
             $0[4] == "n/a" || $0[5].isEmpty ? $0[4] : "\($0[4]) [\($0[5])..\($0[6])]",
             $0[7] == "n/a" || $0[8].isEmpty ? $0[7] : "\($0[7]) [\($0[8])..\($0[9])]", $0[10], $0[11]]
        }
        let widths = (0..<6).map { column in terminal.map { $0[column].count }.max() ?? 0 }
        for line in terminal {
            print(line.enumerated().map { $0.element.padding(widths[$0.offset], right: $0.offset >= 2) }
                .joined(separator: "  "))
        }

        var markdown = ["| case | metric | unit | better | C median | C min–max | ours median | ours min–max | ours/C | paired ours/C |",
                        "|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
        for cells in table {
            let cRange = cells[5] == "n/a" || cells[5].isEmpty ? cells[5] : "\(cells[5])–\(cells[6])"
            let oursRange = cells[8] == "n/a" || cells[8].isEmpty ? cells[8] : "\(cells[8])–\(cells[9])"
            markdown.append("| \(cells[0]) | \(cells[1]) | \(cells[2]) | \(cells[3]) | \(cells[4]) | \(cRange) | \(cells[7]) | \(oursRange) | \(cells[10]) | \(cells[11]) |")
        }
        // bench/compare's verdict on the host: a loaded run says so above its table.
        if let loaded = notes.first(where: { $0.hasPrefix("host during the run: loaded") }) {
            let mark = "**LOADED run**: \(loaded.dropFirst("host during the run: ".count)); its ratios may be off by up to 2x."
            markdown = [mark, ""] + markdown
            print(mark)
        }
        if !notes.isEmpty { markdown = notes.map { "- \($0)" } + [""] + markdown }
        if let path = options.optional("csv") { try write(csv.joined(separator: "\n") + "\n", to: path) }
        if let path = options.optional("md") { try write(markdown.joined(separator: "\n") + "\n", to: path) }
    }

    /// The raw file's rows (`case,metric,unit,better,side,rep,value`), merged per case and metric, and
    /// its `#` notes.
    static func parseRows(_ text: String) -> (rows: [Row], notes: [String]) {
        var rows: [Row] = []
        var notes: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#") { notes.append(String(line.dropFirst()).trimmed); continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7 else { continue }
            let key = (fields[0], fields[1])
            var index = rows.firstIndex { $0.caseID == key.0 && $0.metric == key.1 }
            if index == nil {
                rows.append(Row(caseID: fields[0], metric: fields[1], unit: fields[2], better: fields[3]))
                index = rows.count - 1
            }
            switch fields[4] {
            // A run that produced no number (nan: e.g. a daemon whose state never matched) is left out;
            // the "runs" rows count those.
            // The reference: the C teamd, or the bonding driver in the rows that say "vs bonding".
            case "c", "bonding": if let v = Double(fields[6]), v.isFinite { rows[index!].c.append(v); rows[index!].cByRep[fields[5]] = v }
            case "ours": if let v = Double(fields[6]), v.isFinite { rows[index!].ours.append(v); rows[index!].oursByRep[fields[5]] = v }
            default: rows[index!].notAvailable = true
            }
        }
        return (rows, notes)
    }

    /// One row of the CSV and table: a tally for "runs", n/a, one side only, or both with their ratios.
    static func cells(_ row: Row) -> [String] {
        if row.unit == "runs" {
            // A count of runs that passed a check: "k/n" for each side, no ratio.
            func tally(_ values: [Double]) -> String { "\(Int(values.reduce(0, +)))/\(values.count)" }
            return [row.caseID, row.metric, row.unit, row.better, tally(row.c), "", "",
                    tally(row.ours), "", "", "", "", String(row.c.count), String(row.ours.count)]
        } else if row.notAvailable || (row.c.isEmpty && row.ours.isEmpty) {
            return [row.caseID, row.metric, row.unit, row.better] + [String](repeating: "n/a", count: 8)
                + [String(row.c.count), String(row.ours.count)]
        } else if row.c.isEmpty || row.ours.isEmpty {
            // One side produced no number in any run (e.g. its state never matched): show the other.
            func side(_ values: [Double]) -> [String] {
                values.isEmpty ? ["none", "", ""] : [short(median(values)), short(values.min()!), short(values.max()!)]
            }
            return [row.caseID, row.metric, row.unit, row.better] + side(row.c) + side(row.ours)
                + ["n/a", "n/a", String(row.c.count), String(row.ours.count)]
        } else {
            return [row.caseID, row.metric, row.unit, row.better,
                    short(median(row.c)), short(row.c.min()!), short(row.c.max()!),
                    short(median(row.ours)), short(row.ours.min()!), short(row.ours.max()!),
                    row.ratio.isFinite ? format(row.ratio, decimals: 2) : "n/a",
                    row.pairedRatio.isFinite ? format(row.pairedRatio, decimals: 2) : "n/a",
                    String(row.c.count), String(row.ours.count)]
        }
    }

    /// Three significant digits, no exponent.
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 100 { return format(value.rounded(), decimals: 0) }
        if magnitude >= 10 { return format(value, decimals: 1) }
        return format(value, decimals: 2)
    }

    static func write(_ text: String, to path: String) throws {
        do throws(Errno) {
            try System.writeFile(path, text)
        } catch {
            throw LabError("cannot write \(path): \(error)")
        }
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    func padding(_ width: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return right ? fill + self : self + fill
    }
}

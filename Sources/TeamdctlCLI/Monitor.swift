import Glibc
import TeamdControl
import TeamJSON

extension Session {
    /// `monitor`: each event as teamd sends it, on its own line, until teamd closes the stream. A stream
    /// that ends without teamd's `teamd_stop` event was cut by teamd because this reader fell behind.
    func monitor(output: inout some TeamdctlOutput) throws(TeamdControlError) -> Int32? {
        guard let transport else { throw .connectionClosed }
        var stopped = false
        do throws(TeamdControlError) {
            try transport.subscribe { line in
                output.standardOutput(line + "\n")
                stopped = (try? JSONValue(parsing: line))?["event"] == .string("teamd_stop")
            }
        } catch .invalidArgument(let text) {
            output.standardError("teamdctl: \(text).\n")
            return EOPNOTSUPP
        }
        guard stopped else {
            output.standardError("teamd ended the event stream: this reader fell behind and events were lost.\n")
            return EPIPE
        }
        return nil
    }
}

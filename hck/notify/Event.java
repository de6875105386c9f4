package hck.notify;

import hck.check.NagiosCheck;
import hck.report.Outcome;
import hck.report.Summary;

import java.util.List;

/**
 * What a notification tells: the host, the mode, a one-sentence headline, the top holders, the
 * summary and the hung sockets (with what was done to them).
 */
public record Event(String host, String mode, String headline, List<String> holders, Summary summary, List<Outcome> hung) {

    /** Check mode, when the status changed since the last check: the status line's text without its perfdata. */
    public static Event checkChanged(String host, NagiosCheck.Result check, String previous, Summary summary, List<Outcome> hung) {
        String headline = "hck on " + host + ": " + check.status() + " (was " + previous + "): " + check.summary();
        return new Event(host, "check", headline, holders(hung), summary, hung);
    }

    /** A live run that terminated or failed something. */
    public static Event liveRun(String host, Summary summary, List<Outcome> hung) {
        String headline = "hck on " + host + " terminated " + summary.terminated() + " hung TCP connection" + (summary.terminated() == 1 ? "" : "s")
                + (summary.failed() > 0 ? ", " + summary.failed() + " failed" : "");
        return new Event(host, "live", headline, holders(hung), summary, hung);
    }

    private static List<String> holders(List<Outcome> hung) {
        return NagiosCheck.holderLines(hung.stream().map(Outcome::decision).toList());
    }
}

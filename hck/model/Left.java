package hck.model;

/**
 * Why live mode left a hung socket as it was. {@link #GONE} is the socket's own doing; the others
 * are sockets hck did not try ({@link #attempted} false), each for its own reason, counted apart
 * in the log, the JSON ({@code left} per connection, {@code summary.left}) and the check.
 */
public enum Left {
    /** It closed or changed state by itself between the scan and the kill. */
    GONE("gone", "gone before hck got to them (closed or changed state by themselves)"),
    /** Not attempted: this kernel's release cannot really destroy it (TIME_WAIT before 6.0, orphans with a FIN before 6.11). */
    KERNEL_POLICY("kernel-policy", "not attempted: this kernel cannot really destroy them"),
    /** Not attempted: its network namespace vanished before hck could enter it. */
    NETNS_GONE("netns-gone", "not attempted: their network namespace vanished"),
    /** Not attempted: the veto command said no (the verdict becomes skipped). */
    VETOED("vetoed", "left alone: the veto command said no"),
    /** Not attempted: a signal stopped the run first. */
    STOPPED("stopped", "left as they were: hck was stopped by a signal"),
    /** Not attempted: UDP with {@code udp.action: report}. */
    REPORTED_ONLY("reported-only", "reported only (udp action: report)");

    public final String json;
    /** The log's words for a count of them: "N more … {words}". */
    public final String words;

    Left(String json, String words) {
        this.json = json;
        this.words = words;
    }

    /** Whether hck tried anything on it: false for all but {@link #GONE}. */
    public boolean attempted() {
        return this == GONE;
    }
}

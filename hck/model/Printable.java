package hck.model;

/**
 * Text that came from processes and sockets (a process names itself: 15 bytes of anything but
 * NUL; a namespace name is a file name) made safe for line-based outputs: control characters
 * (C0, DEL, C1, and the Unicode line and paragraph separators) become visible escapes, so one
 * event stays one line and no terminal escape sequence or carriage return reaches a reader raw.
 */
public final class Printable {
    private Printable() {}

    public static String escape(String s) {
        if (s == null) return null;
        int i = 0, n = s.length();
        while (i < n && !control(s.charAt(i))) i++;
        if (i == n) return s;
        StringBuilder b = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (!control(c)) {
                b.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /** For a Nagios status or long-output line: also no {@code |}, which starts the performance data. */
    public static String forCheck(String s) {
        String e = escape(s);
        return e == null || e.indexOf('|') < 0 ? e : e.replace("|", "\\x7c");
    }

    static boolean control(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}

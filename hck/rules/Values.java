package hck.rules;

import hck.model.TcpState;

import java.util.ArrayList;
import java.util.List;

/**
 * The one parser of the values the command line and the rules file share: ports, counts,
 * percentages, watched states and the seeds' list styles. Each reads text and throws
 * {@link IllegalArgumentException} with what is wrong; the caller names where it was (an option,
 * or the file, line and key) in its own words.
 */
public final class Values {
    /** The states that take a timeout or a threshold. */
    public static final String WATCHED = "CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT";

    private Values() {}

    /** 1 to 65535. */
    public static int port(String text) {
        Integer p = integer(text);
        if (p == null || p < 1 || p > 65535) throw new IllegalArgumentException("'" + text + "' is not a port (1-65535)");
        return p;
    }

    /** 0 or more. */
    public static int count(String text) {
        Integer c = integer(text);
        if (c == null || c < 0) throw new IllegalArgumentException("'" + text + "' is not a whole number, 0 or more");
        return c;
    }

    /** 1 or more (a size in bytes). */
    public static long positive(String text) {
        try {
            long v = Long.parseLong(text.trim());
            if (v >= 1) return v;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not a number, 1 or more");
    }

    /** 0 to 100, a trailing % allowed. */
    public static double percent(String text) {
        try {
            double p = Double.parseDouble(text.trim().replaceFirst("%$", ""));
            if (p >= 0 && p <= 100) return p;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not a percentage (0-100)");
    }

    /** A state hck watches, in any of its spellings (CLOSE_WAIT, close-wait, close_wait). */
    public static TcpState watchedState(String text) {
        TcpState s = TcpState.parse(text);
        if (s == null) throw new IllegalArgumentException("unknown state '" + text + "' (allowed: " + WATCHED + ")");
        if (!s.watched()) throw new IllegalArgumentException(s + " is never touched by hck (allowed: " + WATCHED + ")");
        return s;
    }

    /** The seeds' list styles: {@code 22 3306}, {@code "22 3306"}, {@code 22,3306}; an empty string is an empty list. */
    public static List<String> words(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) for (String w : a.trim().split("[,\\s]+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    private static Integer integer(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

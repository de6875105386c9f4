package hck.rules;

import hck.model.TcpState;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Durations as operators type them: {@code 30}, {@code 2.5}, {@code 30s}, {@code 1500ms}, {@code 2m}, {@code 1h}. */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(ms|s|sec|m|min|h)?");

    private Durations() {}

    /** @throws IllegalArgumentException with a message fit to show the user */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("-")) throw new IllegalArgumentException("'" + text + "' is negative: a duration must be 0 or more");
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use 30, 2.5, 30s, 1500ms, 2m or 1h)");
        }
        BigDecimal n = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        BigDecimal ms = switch (unit) {
            case "ms" -> n;
            case "m", "min" -> n.multiply(BigDecimal.valueOf(60_000));
            case "h" -> n.multiply(BigDecimal.valueOf(3_600_000));
            default -> n.multiply(BigDecimal.valueOf(1000));
        };
        try {
            return Duration.ofMillis(ms.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large for a duration");
        }
    }

    /** "CLOSE_WAIT=60s, FIN_WAIT1=120s, …" in the watched states' order. */
    public static String perState(Map<TcpState, Duration> timeouts) {
        return TcpState.WATCHED_ORDER.stream().map(s -> s + "=" + text(timeouts.get(s))).collect(Collectors.joining(", "));
    }

    /** The texts of the few timeouts a run has: each socket's reason names one (three BigDecimals each to make). */
    private static final Map<Duration, String> TEXTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Seconds as a short text: {@code 60s}, {@code 2.5s}, {@code 0.35s}. */
    public static String text(Duration d) {
        String known = TEXTS.get(d);
        if (known != null) return known;
        String t = seconds(d).toPlainString() + "s";
        if (TEXTS.size() < 1000) TEXTS.put(d, t);
        return t;
    }

    /**
     * An age in seconds with one decimal, half up: {@code 75.0}, {@code 2.5} — as the reasons, the log
     * and the JSON show ages (without a Formatter or a BigDecimal per socket: 190k of them).
     */
    public static String tenths(long ms) {
        long tenths = (ms + 50) / 100;
        return tenths / 10 + "." + tenths % 10;
    }

    /** {@link #tenths} without a trailing ".0": {@code 75}, {@code 2.5} — the check's line and perfdata. */
    public static String tenthsShort(long ms) {
        String t = tenths(ms);
        return t.endsWith(".0") ? t.substring(0, t.length() - 2) : t;
    }

    /** A time ahead in words: {@code 40 min}, {@code 2.3 h}, {@code 3.5 days}. */
    public static String about(double seconds) {
        if (seconds < 3600) return Math.max(1, Math.round(seconds / 60)) + " min";
        if (seconds < 48 * 3600) return tenths(Math.round(seconds * 1000 / 3600)) + " h";
        return tenths(Math.round(seconds * 1000 / 86400)) + " days";
    }

    /** Seconds without trailing zeros, for JSON and logs. */
    public static BigDecimal seconds(Duration d) {
        BigDecimal s = BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}

package hck.rules;

import java.math.BigDecimal;

/**
 * A Monitoring Plugins threshold range (Nagios plugin development guidelines): {@code 10} alerts
 * outside 0..10, {@code 10:} below 10, {@code ~:10} above 10, {@code 10:20} outside 10..20,
 * {@code @10:20} inside 10..20.
 */
public record Range(String text, BigDecimal low, BigDecimal high, boolean inside) {

    /** @throws IllegalArgumentException naming the text and the accepted forms */
    public static Range parse(String text) {
        String t = text.trim();
        boolean inside = t.startsWith("@");
        if (inside) t = t.substring(1);
        try {
            BigDecimal low, high;
            int colon = t.indexOf(':');
            if (colon < 0) {
                low = BigDecimal.ZERO;
                high = number(t);
            } else {
                String l = t.substring(0, colon), h = t.substring(colon + 1);
                low = l.equals("~") ? null : number(l.isEmpty() ? "0" : l);
                high = h.isEmpty() ? null : number(h);
            }
            if (low != null && high != null && low.compareTo(high) > 0) throw new IllegalArgumentException();
            return new Range(text.trim(), low, high, inside);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a threshold range (use 10, 10:, ~:10, 10:20 or @10:20)");
        }
    }

    private static BigDecimal number(String s) {
        if (s.isEmpty() || !s.matches("-?\\d+(\\.\\d+)?")) throw new IllegalArgumentException();
        return new BigDecimal(s);
    }

    /** Whether {@code value} raises the alert this range stands for. */
    public boolean alerts(double value) {
        BigDecimal v = BigDecimal.valueOf(value);
        boolean within = (low == null || v.compareTo(low) >= 0) && (high == null || v.compareTo(high) <= 0);
        return inside == within;
    }

    @Override
    public String toString() {
        return text;
    }
}

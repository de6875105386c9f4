package hck.rules;

import com.fasterxml.jackson.core.JsonToken;
import hck.model.TcpState;
import hck.rules.YamlTree.ListNode;
import hck.rules.YamlTree.MapNode;
import hck.rules.YamlTree.Node;
import hck.rules.YamlTree.Scalar;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import static hck.rules.YamlTree.absent;
import static hck.rules.YamlTree.where;

/**
 * Typed values from the located tree: each reader takes the node and its path in the file
 * ({@code termination.sigterm_grace}) and fails with the file, the line, the path and what was expected.
 */
final class RuleValues {
    private final String origin;

    RuleValues(String origin) {
        this.origin = origin;
    }

    RulesException error(Node at, String path, String what) {
        return new RulesException(where(origin, at == null ? -1 : at.line()) + "'" + path + "' " + what);
    }

    /** A mapping with only the allowed keys; null for an absent or empty (null) value. */
    MapNode map(Node n, String path, Set<String> allowed) throws RulesException {
        if (absent(n)) return null;
        if (!(n instanceof MapNode m)) throw error(n, path, "must be a mapping");
        for (Map.Entry<String, Integer> e : m.keyLines().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String full = path.equals("(top level)") ? e.getKey() : path + "." + e.getKey();
                throw new RulesException(where(origin, e.getValue()) + "unknown key '" + full + "' (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return m;
    }

    ListNode list(Node n, String path) throws RulesException {
        if (absent(n)) return null;
        if (!(n instanceof ListNode l)) throw error(n, path, "must be a list");
        return l;
    }

    Map<TcpState, Duration> timeouts(Node n, String path) throws RulesException {
        Map<TcpState, Duration> out = new EnumMap<>(TcpState.class);
        for (Map.Entry<TcpState, Node> e : states(n, path, true).entrySet()) {
            out.put(e.getKey(), duration(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    Map<TcpState, Range> stateRanges(Node n, String path) throws RulesException {
        Map<TcpState, Range> out = new EnumMap<>(TcpState.class);
        for (Map.Entry<TcpState, Node> e : states(n, path, false).entrySet()) out.put(e.getKey(), range(e.getValue(), path + "." + e.getKey()));
        return out;
    }

    /** A mapping keyed by watched states, each once: of durations ({@code timeouts}) or of threshold ranges. */
    private Map<TcpState, Node> states(Node n, String path, boolean timeouts) throws RulesException {
        Map<TcpState, Node> out = new EnumMap<>(TcpState.class);
        if (absent(n)) return out;
        if (!(n instanceof MapNode m)) throw error(n, path, "must be a mapping of " + (timeouts ? "state: duration" : "state: range"));
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
            TcpState state = TcpState.parse(e.getKey());
            int line = m.keyLines().get(e.getKey());
            String at = path + "." + e.getKey();
            if (state == null || (!state.watched() && !timeouts)) {
                throw new RulesException(where(origin, line) + "unknown state '" + at + "' (allowed: " + Values.WATCHED + ")");
            }
            if (!state.watched()) {
                throw new RulesException(where(origin, line) + "'" + at + "': " + state + " is never touched by hck and takes no timeout (allowed: "
                        + Values.WATCHED + ")");
            }
            if (timeouts && out.containsKey(state)) throw new RulesException(where(origin, line) + "'" + at + "' repeats state " + state);
            out.put(state, e.getValue());
        }
        return out;
    }

    Range range(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull()) throw error(n, path, "must be a threshold range (10, 10:, ~:10, 10:20 or @10:20)");
        try {
            return Range.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw error(n, path, "is invalid: " + e.getMessage());
        }
    }

    Duration duration(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull()) throw error(n, path, "must be a duration (30, 2.5, 30s, 1500ms, 2m or 1h)");
        try {
            return Durations.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw error(n, path, "is invalid: " + e.getMessage());
        }
    }

    /** A scalar of the right shape that {@code parse} (one of {@link Values}) accepts; else "must be {@code expected}". */
    private <T> T scalar(Node n, String path, String expected, Predicate<Scalar> shape, Function<String, T> parse) throws RulesException {
        if (n instanceof Scalar s && !s.isNull() && shape.test(s)) {
            try {
                return parse.apply(s.text());
            } catch (IllegalArgumentException e) {
                // said below
            }
        }
        throw error(n, path, "must be " + expected);
    }

    /** 0 or more, written as a number. */
    int count(Node n, String path) throws RulesException {
        return scalar(n, path, "a whole number, 0 or more", s -> s.token() == JsonToken.VALUE_NUMBER_INT, Values::count);
    }

    /** 1 or more (a size in bytes). */
    long positive(Node n, String path, String what) throws RulesException {
        return scalar(n, path, what + ", 1 or more", s -> true, Values::positive);
    }

    /** 0 to 100, a trailing % allowed. */
    double percent(Node n, String path) throws RulesException {
        return scalar(n, path, "a percentage (0-100)", s -> true, Values::percent);
    }

    List<Integer> ports(Node n, String path) throws RulesException {
        return oneOrList(n, path, "ports", this::port);
    }

    /** What reads one item of a list; throws naming the item's line. */
    private interface Item<T> {
        T read(Node n, String path) throws RulesException;
    }

    /** Nothing, one item, or a list of them. */
    private <T> List<T> oneOrList(Node n, String path, String what, Item<T> item) throws RulesException {
        if (absent(n)) return List.of();
        if (n instanceof Scalar) return List.of(item.read(n, path));
        if (!(n instanceof ListNode l)) throw error(n, path, "must be a list of " + what);
        List<T> out = new ArrayList<>();
        for (Node i : l.items()) out.add(item.read(i, path));
        return out;
    }

    int port(Node n, String path) throws RulesException {
        if (n instanceof Scalar s && (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_STRING)) {
            try {
                return Values.port(s.text());
            } catch (IllegalArgumentException e) {
                throw error(n, path, "has '" + s.text() + "', not a port (1-65535)");
            }
        }
        throw error(n, path, "must be a port number (1-65535)");
    }

    List<String> names(Node n, String path) throws RulesException {
        return oneOrList(n, path, "names", this::text);
    }

    String text(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull() || s.token() == JsonToken.START_OBJECT || s.text().isBlank()) {
            throw error(n, path, "must be a non-empty name");
        }
        return s.text();
    }

    /** One of the allowed words. */
    String word(Node n, String path, String... allowed) throws RulesException {
        String v = text(n, path);
        if (!List.of(allowed).contains(v)) throw error(n, path, "must be " + String.join(" or ", allowed));
        return v;
    }

    boolean bool(Node n, String path) throws RulesException {
        if (n instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw error(n, path, "must be true or false");
    }

    /** on/off (or true/false). */
    boolean onOff(Node n, String path) throws RulesException {
        if (n instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) return bool(n, path);
        return word(n, path, "on", "off").equals("on");
    }

    boolean skip(Node n, String path) throws RulesException {
        if (n == null) return false;
        if (n instanceof Scalar s && "skip".equals(s.text())) return true;
        throw error(n, path, "must be 'skip' (leave it out to apply the timeouts)");
    }
}

package hck.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import hck.io.SafeFiles;
import hck.model.TcpState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads rules.yaml into {@link Rules}. Every key is optional (a missing one keeps the built-in
 * value); an unknown key, a bad value or malformed YAML is a {@link RulesException} naming the
 * file, the line and the key. The YAML is read token by token so that every value keeps its line.
 */
public final class RulesLoader {
    private static final Set<String> TOP = Set.of("timeouts", "exclude", "include", "protected_processes",
            "processes", "ports", "termination", "netns", "check", "notify", "udp");

    static final long MAX_BYTES = 1 << 20;
    private final String origin;

    private RulesLoader(String origin) {
        this.origin = origin;
    }

    public static Rules load(Path file) throws RulesException {
        String text;
        try {
            // a regular file of at most 1 MiB: /dev/zero or a FIFO must neither fill memory nor block
            text = new String(SafeFiles.readRegular("rules file", file, MAX_BYTES), StandardCharsets.UTF_8);
        } catch (SafeFiles.Refused e) {
            throw new RulesException(e.getMessage());
        } catch (NoSuchFileException e) {
            throw new RulesException("rules file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new RulesException("rules file " + file + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new RulesException("rules file " + file + " is not readable: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public static Rules parse(String yaml, String origin) throws RulesException {
        return new RulesLoader(origin).rules(new Tree(origin).read(yaml));
    }

    // ---- the located tree -------------------------------------------------------------------

    sealed interface Node permits MapNode, ListNode, Scalar {
        int line();
    }

    record MapNode(Map<String, Node> entries, Map<String, Integer> keyLines, int line) implements Node {}

    record ListNode(List<Node> items, int line) implements Node {}

    record Scalar(String text, JsonToken token, int line) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    private static final class Tree {
        private static final YAMLFactory YAML = new YAMLFactory();
        private final String origin;

        Tree(String origin) {
            this.origin = origin;
        }

        Node read(String yaml) throws RulesException {
            try (JsonParser p = YAML.createParser(yaml)) {
                if (p.nextToken() == null) return null;
                Node root = node(p);
                // a second document ("---"), or content the first one did not take, is never ignored
                if (p.nextToken() != null) {
                    throw new RulesException(where(origin, p.currentTokenLocation().getLineNr())
                            + "unexpected content after the rules (a second YAML document, or a line outside the mapping above it)");
                }
                return root;
            } catch (JsonProcessingException e) {
                int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
                String msg = e.getOriginalMessage();
                int nl = msg.indexOf('\n');
                throw new RulesException(where(origin, line) + "malformed YAML: " + (nl < 0 ? msg : msg.substring(0, nl)).trim());
            } catch (IOException e) {
                throw new RulesException(origin + ": cannot read: " + e.getMessage());
            }
        }

        private Node node(JsonParser p) throws IOException, RulesException {
            int line = p.currentTokenLocation().getLineNr();
            JsonToken t = p.currentToken();
            if (t == JsonToken.START_OBJECT) {
                Map<String, Node> entries = new LinkedHashMap<>();
                Map<String, Integer> lines = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    Node value = node(p);
                    if (entries.containsKey(key)) throw new RulesException(where(origin, keyLine) + "duplicate key '" + key + "'");
                    entries.put(key, value);
                    lines.put(key, keyLine);
                }
                return new MapNode(entries, lines, line);
            }
            if (t == JsonToken.START_ARRAY) {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) items.add(node(p));
                return new ListNode(items, line);
            }
            if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                // the streaming parser hands an alias over as its anchor's name: "*keep" would read as "keep"
                throw new RulesException(where(origin, line) + "YAML aliases (*" + p.getText() + ") are not supported: write the value out");
            }
            return new Scalar(p.getText(), t, line);
        }
    }

    private static String where(String origin, int line) {
        return "rules file " + origin + (line > 0 ? ", line " + line : "") + ": ";
    }

    private RulesException error(Node at, String path, String what) {
        return new RulesException(where(origin, at == null ? -1 : at.line()) + "'" + path + "' " + what);
    }

    // ---- validation -------------------------------------------------------------------------

    private Rules rules(Node root) throws RulesException {
        Rules b = Rules.BUILT_IN;
        if (root == null || (root instanceof Scalar s && s.isNull())) return b;
        MapNode top = map(root, "(top level)", TOP);
        if (top == null) return b;
        Map<TcpState, Duration> timeouts = new EnumMap<>(b.timeouts());
        timeouts.putAll(timeouts(top.entries().get("timeouts"), "timeouts"));

        List<Integer> excludePorts = b.excludePorts();
        List<String> excludeProcesses = b.excludeProcesses();
        MapNode exclude = map(top.entries().get("exclude"), "exclude", Set.of("ports", "processes"));
        if (exclude != null) {
            if (exclude.entries().containsKey("ports")) excludePorts = ports(exclude.entries().get("ports"), "exclude.ports");
            if (exclude.entries().containsKey("processes")) excludeProcesses = names(exclude.entries().get("processes"), "exclude.processes");
        }
        List<Integer> includePorts = b.includePorts();
        MapNode include = map(top.entries().get("include"), "include", Set.of("ports"));
        if (include != null && include.entries().containsKey("ports")) includePorts = ports(include.entries().get("ports"), "include.ports");

        List<String> protectedProcesses = top.entries().containsKey("protected_processes")
                ? names(top.entries().get("protected_processes"), "protected_processes") : b.protectedProcesses();

        List<Rules.ProcessRule> processes = new ArrayList<>();
        ListNode procList = list(top.entries().get("processes"), "processes");
        for (int i = 0; procList != null && i < procList.items().size(); i++) {
            String path = "processes[" + i + "]";
            MapNode m = map(procList.items().get(i), path, Set.of("name", "timeouts", "action"));
            if (m == null) throw error(procList.items().get(i), path, "must be a mapping with 'name'");
            Node name = m.entries().get("name");
            if (name == null) throw error(m, path, "needs a 'name' (a process name or glob)");
            processes.add(new Rules.ProcessRule(text(name, path + ".name"),
                    timeouts(m.entries().get("timeouts"), path + ".timeouts"), skip(m.entries().get("action"), path + ".action")));
        }

        List<Rules.PortRule> portRules = new ArrayList<>();
        ListNode portList = list(top.entries().get("ports"), "ports");
        for (int i = 0; portList != null && i < portList.items().size(); i++) {
            String path = "ports[" + i + "]";
            MapNode m = map(portList.items().get(i), path, Set.of("port", "timeouts", "action"));
            if (m == null) throw error(portList.items().get(i), path, "must be a mapping with 'port'");
            Node port = m.entries().get("port");
            if (port == null) throw error(m, path, "needs a 'port' (1-65535)");
            portRules.add(new Rules.PortRule(port(port, path + ".port"),
                    timeouts(m.entries().get("timeouts"), path + ".timeouts"), skip(m.entries().get("action"), path + ".action")));
        }

        Rules.Termination term = b.termination();
        MapNode t = map(top.entries().get("termination"), "termination",
                Set.of("methods", "sigterm_grace", "sigkill", "sigquit_jvm", "veto_command", "old_kernel_orphans"));
        if (t != null) {
            List<String> methods = term.methods();
            if (t.entries().containsKey("methods")) {
                methods = names(t.entries().get("methods"), "termination.methods");
                for (String m : methods) {
                    if (!Rules.Termination.METHODS.contains(m)) {
                        throw error(t.entries().get("methods"), "termination.methods", "has unknown method '" + m
                                + "' (allowed: " + String.join(", ", Rules.Termination.METHODS) + ")");
                    }
                }
                if (methods.isEmpty()) {
                    throw error(t.entries().get("methods"), "termination.methods",
                            "must name at least one of: " + String.join(", ", Rules.Termination.METHODS));
                }
            }
            Map<String, Node> e = t.entries();
            Duration grace = e.containsKey("sigterm_grace") ? duration(e.get("sigterm_grace"), "termination.sigterm_grace") : term.sigtermGrace();
            boolean sigkill = e.containsKey("sigkill") ? bool(e.get("sigkill"), "termination.sigkill") : term.sigkill();
            boolean sigquit = e.containsKey("sigquit_jvm") ? bool(e.get("sigquit_jvm"), "termination.sigquit_jvm") : term.sigquitJvm();
            List<String> veto = e.containsKey("veto_command") ? names(e.get("veto_command"), "termination.veto_command") : term.vetoCommand();
            boolean oldOrphans = term.oldKernelOrphans();
            if (e.containsKey("old_kernel_orphans")) {
                String v = text(e.get("old_kernel_orphans"), "termination.old_kernel_orphans");
                if (!v.equals("skip") && !v.equals("destroy")) throw error(e.get("old_kernel_orphans"), "termination.old_kernel_orphans", "must be skip or destroy");
                oldOrphans = v.equals("destroy");
            }
            term = new Rules.Termination(methods, grace, sigkill, sigquit, veto, oldOrphans);
        }
        String netns = top.entries().containsKey("netns") && !(top.entries().get("netns") instanceof Scalar sc && sc.isNull())
                ? text(top.entries().get("netns"), "netns") : b.netns();
        Thresholds check = b.check();
        MapNode c = map(top.entries().get("check"), "check", Set.of("warning", "critical", "warning_state", "critical_state"));
        if (c != null) {
            Map<String, Node> e = c.entries();
            check = new Thresholds(
                    e.containsKey("warning") ? range(e.get("warning"), "check.warning") : check.warning(),
                    e.containsKey("critical") ? range(e.get("critical"), "check.critical") : check.critical(),
                    e.containsKey("warning_state") ? stateRanges(e.get("warning_state"), "check.warning_state") : check.warningState(),
                    e.containsKey("critical_state") ? stateRanges(e.get("critical_state"), "check.critical_state") : check.criticalState());
        }
        List<Target> notify = new ArrayList<>();
        ListNode notifyList = list(top.entries().get("notify"), "notify");
        for (int i = 0; notifyList != null && i < notifyList.items().size(); i++) {
            String path = "notify[" + i + "]";
            MapNode m = map(notifyList.items().get(i), path, Set.of("kind", "url", "timeout"));
            if (m == null || !m.entries().containsKey("url")) throw error(notifyList.items().get(i), path, "needs a 'url'");
            String kind = m.entries().containsKey("kind") ? text(m.entries().get("kind"), path + ".kind") + "=" : "";
            Duration timeout = m.entries().containsKey("timeout") ? duration(m.entries().get("timeout"), path + ".timeout") : null;
            try {
                notify.add(Target.parse(kind + text(m.entries().get("url"), path + ".url"), timeout));
            } catch (IllegalArgumentException e) {
                throw error(m, path, "is invalid: " + e.getMessage());
            }
        }
        Rules.Udp udp = b.udp();
        MapNode u = map(top.entries().get("udp"), "udp", Set.of("enabled", "min_queue", "timeout", "action"));
        if (u != null) {
            Map<String, Node> e = u.entries();
            long minQueue = udp.minQueue();
            if (e.containsKey("min_queue")) {
                Node q = e.get("min_queue");
                try {
                    minQueue = Long.parseLong(text(q, "udp.min_queue").trim());
                } catch (NumberFormatException x) {
                    minQueue = -1;
                }
                if (minQueue < 1) throw error(q, "udp.min_queue", "must be a number of bytes, 1 or more");
            }
            boolean terminate = udp.terminate();
            if (e.containsKey("action")) {
                String a = text(e.get("action"), "udp.action");
                if (!a.equals("report") && !a.equals("terminate")) throw error(e.get("action"), "udp.action", "must be report or terminate");
                terminate = a.equals("terminate");
            }
            udp = new Rules.Udp(e.containsKey("enabled") ? bool(e.get("enabled"), "udp.enabled") : udp.enabled(), minQueue,
                    e.containsKey("timeout") ? duration(e.get("timeout"), "udp.timeout") : udp.timeout(), terminate);
        }
        return new Rules(timeouts, excludePorts, excludeProcesses, includePorts, protectedProcesses, processes, portRules, term, netns,
                check, notify, udp);
    }

    private Range range(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull()) throw error(n, path, "must be a threshold range (10, 10:, ~:10, 10:20 or @10:20)");
        try {
            return Range.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw error(n, path, "is invalid: " + e.getMessage());
        }
    }

    private Map<TcpState, Range> stateRanges(Node n, String path) throws RulesException {
        Map<TcpState, Range> out = new EnumMap<>(TcpState.class);
        if (n == null || (n instanceof Scalar s && s.isNull())) return out;
        if (!(n instanceof MapNode m)) throw error(n, path, "must be a mapping of state: range");
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
            TcpState state = TcpState.parse(e.getKey());
            if (state == null || !state.watched()) {
                throw new RulesException(where(origin, m.keyLines().get(e.getKey())) + "unknown state '" + path + "." + e.getKey()
                        + "' (allowed: CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT)");
            }
            out.put(state, range(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    /** A mapping with only the allowed keys; null for an absent or empty (null) value. */
    private MapNode map(Node n, String path, Set<String> allowed) throws RulesException {
        if (n == null || (n instanceof Scalar s && s.isNull())) return null;
        if (!(n instanceof MapNode m)) throw error(n, path, "must be a mapping");
        for (Map.Entry<String, Integer> e : m.keyLines().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String full = path.equals("(top level)") ? e.getKey() : path + "." + e.getKey();
                throw new RulesException(where(origin, e.getValue()) + "unknown key '" + full + "' (allowed: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
        return m;
    }

    private ListNode list(Node n, String path) throws RulesException {
        if (n == null || (n instanceof Scalar s && s.isNull())) return null;
        if (!(n instanceof ListNode l)) throw error(n, path, "must be a list");
        return l;
    }

    private Map<TcpState, Duration> timeouts(Node n, String path) throws RulesException {
        Map<TcpState, Duration> out = new EnumMap<>(TcpState.class);
        if (n == null || (n instanceof Scalar s && s.isNull())) return out;
        if (!(n instanceof MapNode m)) throw error(n, path, "must be a mapping of state: duration");
        for (Map.Entry<String, Node> e : m.entries().entrySet()) {
            TcpState state = TcpState.parse(e.getKey());
            int line = m.keyLines().get(e.getKey());
            if (state == null) {
                throw new RulesException(where(origin, line) + "unknown state '" + path + "." + e.getKey()
                        + "' (allowed: CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT)");
            }
            if (!state.watched()) {
                throw new RulesException(where(origin, line) + "'" + path + "." + e.getKey() + "': " + state
                        + " is never touched by hck and takes no timeout (allowed: CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT)");
            }
            if (out.containsKey(state)) throw new RulesException(where(origin, line) + "'" + path + "." + e.getKey() + "' repeats state " + state);
            out.put(state, duration(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    private Duration duration(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull()) throw error(n, path, "must be a duration (30, 2.5, 30s, 1500ms, 2m or 1h)");
        try {
            return Durations.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw error(n, path, "is invalid: " + e.getMessage());
        }
    }

    private List<Integer> ports(Node n, String path) throws RulesException {
        if (n == null || (n instanceof Scalar s && s.isNull())) return List.of();
        if (n instanceof Scalar) return List.of(port(n, path));
        if (!(n instanceof ListNode l)) throw error(n, path, "must be a list of ports");
        List<Integer> out = new ArrayList<>();
        for (Node item : l.items()) out.add(port(item, path));
        return out;
    }

    private int port(Node n, String path) throws RulesException {
        if (n instanceof Scalar s && (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_STRING)) {
            try {
                int p = Integer.parseInt(s.text().trim());
                if (p >= 1 && p <= 65535) return p;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(n, path, "has '" + s.text() + "', not a port (1-65535)");
        }
        throw error(n, path, "must be a port number (1-65535)");
    }

    private List<String> names(Node n, String path) throws RulesException {
        if (n == null || (n instanceof Scalar s && s.isNull())) return List.of();
        if (n instanceof Scalar) return List.of(text(n, path));
        if (!(n instanceof ListNode l)) throw error(n, path, "must be a list of names");
        List<String> out = new ArrayList<>();
        for (Node item : l.items()) out.add(text(item, path));
        return out;
    }

    private String text(Node n, String path) throws RulesException {
        if (!(n instanceof Scalar s) || s.isNull() || s.token() == JsonToken.START_OBJECT || s.text().isBlank()) {
            throw error(n, path, "must be a non-empty name");
        }
        return s.text();
    }

    private boolean bool(Node n, String path) throws RulesException {
        if (n instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw error(n, path, "must be true or false");
    }

    private boolean skip(Node n, String path) throws RulesException {
        if (n == null) return false;
        if (n instanceof Scalar s && "skip".equals(s.text())) return true;
        throw error(n, path, "must be 'skip' (leave it out to apply the timeouts)");
    }
}

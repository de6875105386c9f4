package hck.rules;

import hck.model.TcpState;
import hck.rules.YamlTree.ListNode;
import hck.rules.YamlTree.MapNode;
import hck.rules.YamlTree.Node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static hck.rules.YamlTree.absent;

/**
 * Binds rules.yaml's located tree ({@link YamlTree}) to {@link Rules}, one method per top-level
 * key. Every key is optional (a missing one keeps the built-in value); an unknown key or a bad
 * value is a {@link RulesException} naming the file, the line and the key.
 */
public final class RulesLoader {
    private static final Set<String> TOP = Set.of("timeouts", "exclude", "exclude_containers", "include", "protected_processes",
            "processes", "ports", "termination", "netns", "check", "notify", "udp", "forecast", "log_limit", "stamps", "stamps_pin");
    private static final Rules BUILT_IN = Rules.BUILT_IN;
    private final RuleValues v;

    private RulesLoader(String origin) {
        this.v = new RuleValues(origin);
    }

    /** @param origin the file's name in error messages */
    public static Rules parse(String yaml, String origin) throws RulesException {
        return new RulesLoader(origin).rules(YamlTree.read(yaml, origin));
    }

    private Rules rules(Node root) throws RulesException {
        if (absent(root)) return BUILT_IN;
        Map<String, Node> top = v.map(root, "(top level)", TOP).entries();
        Rules.Filters filters = new Rules.Filters(excludePorts(top.get("exclude")), excludeProcesses(top.get("exclude")),
                includePorts(top.get("include")), protectedProcesses(top),
                top.containsKey("exclude_containers") ? v.names(top.get("exclude_containers"), "exclude_containers") : BUILT_IN.filters().excludeContainers(),
                processes(top.get("processes")), ports(top.get("ports")));
        Rules.Reporting reporting = new Rules.Reporting(check(top.get("check")), notify(top.get("notify")), logLimit(top.get("log_limit")));
        return new Rules(timeouts(top.get("timeouts")), filters, termination(top.get("termination")), netns(top.get("netns")), reporting,
                udp(top.get("udp")), forecast(top.get("forecast")), stamps(top.get("stamps"), top.get("stamps_pin")));
    }

    private Map<TcpState, Duration> timeouts(Node n) throws RulesException {
        Map<TcpState, Duration> timeouts = new EnumMap<>(BUILT_IN.timeouts());
        timeouts.putAll(v.timeouts(n, "timeouts"));
        return timeouts;
    }

    private List<Integer> excludePorts(Node n) throws RulesException {
        MapNode m = v.map(n, "exclude", Set.of("ports", "processes"));
        return m != null && m.entries().containsKey("ports") ? v.ports(m.entries().get("ports"), "exclude.ports") : BUILT_IN.filters().excludePorts();
    }

    private List<String> excludeProcesses(Node n) throws RulesException {
        MapNode m = v.map(n, "exclude", Set.of("ports", "processes"));
        return m != null && m.entries().containsKey("processes") ? v.names(m.entries().get("processes"), "exclude.processes")
                : BUILT_IN.filters().excludeProcesses();
    }

    private List<Integer> includePorts(Node n) throws RulesException {
        MapNode m = v.map(n, "include", Set.of("ports"));
        return m != null && m.entries().containsKey("ports") ? v.ports(m.entries().get("ports"), "include.ports") : BUILT_IN.filters().includePorts();
    }

    private List<String> protectedProcesses(Map<String, Node> top) throws RulesException {
        return top.containsKey("protected_processes") ? v.names(top.get("protected_processes"), "protected_processes")
                : BUILT_IN.filters().protectedProcesses();
    }

    private List<Rules.ProcessRule> processes(Node n) throws RulesException {
        return overrides(n, "processes", "name", "a process name or glob",
                (id, path, timeouts, skip) -> new Rules.ProcessRule(v.text(id, path), timeouts, skip));
    }

    private List<Rules.PortRule> ports(Node n) throws RulesException {
        return overrides(n, "ports", "port", "1-65535", (id, path, timeouts, skip) -> new Rules.PortRule(v.port(id, path), timeouts, skip));
    }

    interface Override<T> {
        T make(Node id, String idPath, Map<TcpState, Duration> timeouts, boolean skip) throws RulesException;
    }

    /** processes[] and ports[]: per item its identity ({@code idKey}), its own timeouts, or action: skip. */
    private <T> List<T> overrides(Node n, String key, String idKey, String idHelp, Override<T> make) throws RulesException {
        List<T> out = new ArrayList<>();
        ListNode list = v.list(n, key);
        for (int i = 0; list != null && i < list.items().size(); i++) {
            String path = key + "[" + i + "]";
            MapNode m = v.map(list.items().get(i), path, Set.of(idKey, "timeouts", "action"));
            if (m == null) throw v.error(list.items().get(i), path, "must be a mapping with '" + idKey + "'");
            Node id = m.entries().get(idKey);
            if (id == null) throw v.error(m, path, "needs a '" + idKey + "' (" + idHelp + ")");
            out.add(make.make(id, path + "." + idKey, v.timeouts(m.entries().get("timeouts"), path + ".timeouts"),
                    v.skip(m.entries().get("action"), path + ".action")));
        }
        return out;
    }

    private Rules.Termination termination(Node n) throws RulesException {
        Rules.Termination term = BUILT_IN.termination();
        MapNode t = v.map(n, "termination", Set.of("methods", "sigterm_grace", "sigkill", "sigquit_jvm", "veto_command", "old_kernel_orphans"));
        if (t == null) return term;
        Map<String, Node> e = t.entries();
        List<Rules.Termination.Method> methods = e.containsKey("methods") ? methods(e.get("methods")) : term.methods();
        Duration grace = e.containsKey("sigterm_grace") ? v.duration(e.get("sigterm_grace"), "termination.sigterm_grace") : term.sigtermGrace();
        boolean sigkill = e.containsKey("sigkill") ? v.bool(e.get("sigkill"), "termination.sigkill") : term.sigkill();
        boolean sigquit = e.containsKey("sigquit_jvm") ? v.bool(e.get("sigquit_jvm"), "termination.sigquit_jvm") : term.sigquitJvm();
        List<String> veto = e.containsKey("veto_command") ? v.names(e.get("veto_command"), "termination.veto_command") : term.vetoCommand();
        boolean oldOrphans = e.containsKey("old_kernel_orphans")
                ? v.word(e.get("old_kernel_orphans"), "termination.old_kernel_orphans", "skip", "destroy").equals("destroy")
                : term.oldKernelOrphans();
        return new Rules.Termination(methods, grace, sigkill, sigquit, veto, oldOrphans);
    }

    private List<Rules.Termination.Method> methods(Node n) throws RulesException {
        String allowed = String.join(", ", Arrays.stream(Rules.Termination.Method.values()).map(m -> m.yaml).toList());
        List<Rules.Termination.Method> methods = new ArrayList<>();
        for (String name : v.names(n, "termination.methods")) {
            Rules.Termination.Method m = Rules.Termination.Method.named(name);
            if (m == null) throw v.error(n, "termination.methods", "has unknown method '" + name + "' (allowed: " + allowed + ")");
            methods.add(m);
        }
        if (methods.isEmpty()) throw v.error(n, "termination.methods", "must name at least one of: " + allowed);
        return methods;
    }

    private Rules.StampRules stamps(Node on, Node pin) throws RulesException {
        Rules.StampRules b = BUILT_IN.stamps();
        boolean enabled = absent(on) ? b.on() : v.onOff(on, "stamps");
        String dir = absent(pin) ? b.pin() : v.text(pin, "stamps_pin");
        if (!dir.startsWith("/") || dir.equals("/")) throw v.error(pin, "stamps_pin", "must be an absolute directory path on a bpffs (default " + b.pin() + ")");
        if (java.nio.file.Path.of(dir).getFileName().toString().contains(".")) throw v.error(pin, "stamps_pin", "must not have a dot in its last name (bpffs refuses it)");
        return new Rules.StampRules(enabled, dir);
    }

    private String netns(Node n) throws RulesException {
        return absent(n) ? BUILT_IN.netns() : v.text(n, "netns");
    }

    private Thresholds check(Node n) throws RulesException {
        Thresholds check = BUILT_IN.reporting().check();
        MapNode c = v.map(n, "check", Set.of("warning", "critical", "warning_state", "critical_state",
                "exhaustion_warning", "exhaustion_critical", "ports_warning", "ports_critical"));
        if (c == null) return check;
        Map<String, Node> e = c.entries();
        return new Thresholds(
                e.containsKey("warning") ? v.range(e.get("warning"), "check.warning") : check.warning(),
                e.containsKey("critical") ? v.range(e.get("critical"), "check.critical") : check.critical(),
                e.containsKey("warning_state") ? v.stateRanges(e.get("warning_state"), "check.warning_state") : check.warningState(),
                e.containsKey("critical_state") ? v.stateRanges(e.get("critical_state"), "check.critical_state") : check.criticalState(),
                e.containsKey("exhaustion_warning") ? v.duration(e.get("exhaustion_warning"), "check.exhaustion_warning") : check.exhaustionWarning(),
                e.containsKey("exhaustion_critical") ? v.duration(e.get("exhaustion_critical"), "check.exhaustion_critical") : check.exhaustionCritical(),
                e.containsKey("ports_warning") ? v.percent(e.get("ports_warning"), "check.ports_warning") : check.portsWarning(),
                e.containsKey("ports_critical") ? v.percent(e.get("ports_critical"), "check.ports_critical") : check.portsCritical());
    }

    private int logLimit(Node n) throws RulesException {
        return absent(n) ? BUILT_IN.reporting().logLimit() : v.count(n, "log_limit");
    }

    private Rules.Forecast forecast(Node n) throws RulesException {
        Rules.Forecast f = BUILT_IN.forecast();
        MapNode m = v.map(n, "forecast", Set.of("window", "ports_listed"));
        if (m == null) return f;
        Map<String, Node> e = m.entries();
        Duration window = e.containsKey("window") ? v.duration(e.get("window"), "forecast.window") : f.window();
        // no window, no history: every rate would be null without a word
        if (window.isZero()) throw v.error(e.get("window"), "forecast.window", "must be longer than 0 (growth rates come from the runs within it)");
        return new Rules.Forecast(window,
                e.containsKey("ports_listed") ? v.percent(e.get("ports_listed"), "forecast.ports_listed") : f.portsListed());
    }

    private List<Target> notify(Node n) throws RulesException {
        List<Target> notify = new ArrayList<>();
        ListNode list = v.list(n, "notify");
        for (int i = 0; list != null && i < list.items().size(); i++) {
            String path = "notify[" + i + "]";
            MapNode m = v.map(list.items().get(i), path, Set.of("kind", "url", "timeout"));
            if (m == null || !m.entries().containsKey("url")) throw v.error(list.items().get(i), path, "needs a 'url'");
            Map<String, Node> e = m.entries();
            String kind = e.containsKey("kind") ? v.text(e.get("kind"), path + ".kind") + "=" : "";
            Duration timeout = e.containsKey("timeout") ? v.duration(e.get("timeout"), path + ".timeout") : null;
            try {
                notify.add(Target.parse(kind + v.text(e.get("url"), path + ".url"), timeout));
            } catch (IllegalArgumentException x) {
                throw v.error(m, path, "is invalid: " + x.getMessage());
            }
        }
        return notify;
    }

    private Rules.Udp udp(Node n) throws RulesException {
        Rules.Udp udp = BUILT_IN.udp();
        MapNode u = v.map(n, "udp", Set.of("enabled", "min_queue", "timeout", "action"));
        if (u == null) return udp;
        Map<String, Node> e = u.entries();
        long minQueue = udp.minQueue();
        if (e.containsKey("min_queue")) minQueue = v.positive(e.get("min_queue"), "udp.min_queue", "a number of bytes");
        boolean terminate = e.containsKey("action") ? v.word(e.get("action"), "udp.action", "report", "terminate").equals("terminate") : udp.terminate();
        return new Rules.Udp(e.containsKey("enabled") ? v.bool(e.get("enabled"), "udp.enabled") : udp.enabled(), minQueue,
                e.containsKey("timeout") ? v.duration(e.get("timeout"), "udp.timeout") : udp.timeout(), terminate);
    }
}

package hck.rules;

import hck.model.TcpState;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The rules a run decides by: per-state timeouts, exclusions, protected processes, per-process and
 * per-port overrides, and how live mode may terminate. Immutable; {@link #BUILT_IN} equals the
 * shipped rules.yaml (a test holds them together).
 */
public record Rules(
        Map<TcpState, Duration> timeouts,
        Filters filters,
        Termination termination,
        String netns,
        Reporting reporting,
        Udp udp,
        Forecast forecast,
        StampRules stamps) {

    /** Always protected, whatever a rules file says: a rules file can add names, never remove these. */
    public static final List<String> BUILT_IN_PROTECTED = List.of(
            "sshd", "systemd", "init", "kernel", "kthreadd", "containerd", "dockerd", "kubelet", "k3s");

    public static final Rules BUILT_IN = new Rules(
            timeouts(Map.of(
                    TcpState.CLOSE_WAIT, Duration.ofSeconds(60),
                    TcpState.FIN_WAIT1, Duration.ofSeconds(120),
                    TcpState.FIN_WAIT2, Duration.ofSeconds(120),
                    TcpState.CLOSING, Duration.ofSeconds(60),
                    TcpState.LAST_ACK, Duration.ofSeconds(60),
                    TcpState.TIME_WAIT, Duration.ofSeconds(120))),
            new Filters(List.of(22), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()),
            new Termination(List.of(Termination.Method.SOCKET), Duration.ofSeconds(10), true, false, List.of(), false), null,
            new Reporting(Thresholds.DEFAULT, List.of(), 500), new Udp(false, 1, Duration.ofSeconds(60), false), Forecast.DEFAULT,
            new StampRules(true, "/sys/fs/bpf/hck"));

    public Rules {
        timeouts = timeouts(timeouts);
    }

    /**
     * Which sockets are judged, and how: ports excluded (local or remote) and the only ones
     * included (empty: all), process names excluded and protected (added to the built-in ones),
     * containers excluded (globs over NS/POD and container names), and the per-process and
     * per-port overrides.
     */
    public record Filters(List<Integer> excludePorts, List<String> excludeProcesses, List<Integer> includePorts, List<String> protectedProcesses,
                          List<String> excludeContainers, List<ProcessRule> processes, List<PortRule> ports) {
        public Filters {
            excludeContainers = List.copyOf(excludeContainers);
            excludePorts = List.copyOf(excludePorts);
            excludeProcesses = List.copyOf(excludeProcesses);
            includePorts = List.copyOf(includePorts);
            protectedProcesses = List.copyOf(protectedProcesses);
            processes = List.copyOf(processes);
            ports = List.copyOf(ports);
        }

        /** Built-in protected names followed by the rules file's additions. */
        public List<String> allProtected() {
            java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(BUILT_IN_PROTECTED);
            all.addAll(protectedProcesses);
            return List.copyOf(all);
        }
    }

    /** What the run tells: the check's thresholds, the notification targets, the hung sockets logged one by one (0: every one). */
    public record Reporting(Thresholds check, List<Target> notifications, int logLimit) {
        public Reporting {
            notifications = List.copyOf(notifications);
        }
    }

    static Map<TcpState, Duration> timeouts(Map<TcpState, Duration> m) {
        return m.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new EnumMap<>(m));
    }

    public Rules withTimeouts(Map<TcpState, Duration> t) {
        return new Rules(t, filters, termination, netns, reporting, udp, forecast, stamps);
    }

    public Rules withFilters(Filters f) {
        return new Rules(timeouts, f, termination, netns, reporting, udp, forecast, stamps);
    }

    public Rules withReporting(Reporting r) {
        return new Rules(timeouts, filters, termination, netns, r, udp, forecast, stamps);
    }

    public Rules withUdp(Udp u) {
        return new Rules(timeouts, filters, termination, netns, reporting, u, forecast, stamps);
    }

    /**
     * hck's stamps in the kernel (exact ages): read and, as root, installed unless {@code on} is
     * false; pinned in the bpffs directory {@code pin}.
     */
    public record StampRules(boolean on, String pin) {}

    /**
     * Exhaustion forecasts: growth rates from the samples of the last {@code window} (runs that
     * share a state file); a destination whose ephemeral ports are {@code portsListed} percent in
     * use or more is listed and warned about.
     */
    public record Forecast(Duration window, double portsListed) {
        public static final Forecast DEFAULT = new Forecast(Duration.ofHours(1), 50);
    }

    /**
     * UDP monitoring: a socket whose receive queue stays at {@code minQueue} bytes or more for
     * longer than {@code timeout}, or whose drop counter grew since the last run, is hung. Reported
     * only, unless {@code terminate} (rules: {@code action: terminate}).
     */
    public record Udp(boolean enabled, long minQueue, Duration timeout, boolean terminate) {}

    /** A per-process override: the first rule whose name (exact or glob) matches wins. */
    public record ProcessRule(String name, Map<TcpState, Duration> timeouts, boolean skip) {
        public ProcessRule {
            timeouts = Rules.timeouts(timeouts);
        }
    }

    /** A per-port override (local or remote port), used when no process rule matched. */
    public record PortRule(int port, Map<TcpState, Duration> timeouts, boolean skip) {
        public PortRule {
            timeouts = Rules.timeouts(timeouts);
        }
    }

    /**
     * How live mode may terminate, methods in order of preference: {@code socket} (kernel destroy,
     * then the socket-precise shutdown), {@code socket-destroy} or {@code socket-shutdown} alone,
     * and {@code signal} (the owning process: SIGTERM, then SIGKILL when {@code sigkill}).
     */
    public record Termination(List<Method> methods, Duration sigtermGrace, boolean sigkill, boolean sigquitJvm,
                              List<String> vetoCommand, boolean oldKernelOrphans) {
        /** The rules' {@code termination.methods}, as spelled there. */
        public enum Method {
            SOCKET, SOCKET_DESTROY, SOCKET_SHUTDOWN, SIGNAL;

            public final String yaml = name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

            /** @return the method spelled {@code name} in a rules file, or null */
            public static Method named(String name) {
                for (Method m : values()) if (m.yaml.equals(name)) return m;
                return null;
            }
        }

        public Termination {
            methods = List.copyOf(methods);
            vetoCommand = List.copyOf(vetoCommand);
        }
    }
}

package hck.decide;

import hck.model.Container;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import hck.rules.Durations;
import hck.rules.Names;
import hck.rules.Rules;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The decision: a pure function of (socket, rules, clock). No I/O, so every rule and precedence
 * is tested with plain values. Order: unwatched state → protected process (or a held socket whose owner was not found) →
 * excluded port → include-ports → excluded process → process rule (first match; {@code skip} or its timeouts) →
 * port rule → state timeout; hung when the age in the state exceeds the timeout.
 */
public final class Decider {
    /** TCP_TIMEWAIT_LEN: TIME_WAIT lasts exactly 60 s on Linux and is not a sysctl. */
    public static final long TIME_WAIT_LEN_MS = 60_000;

    private final Rules rules;
    private final List<String> protectedNames;
    private final long selfPid;
    private final long finTimeoutMs;
    private final boolean judgeUnseenOwners;
    /**
     * What the name patterns say of each process name, found once a name: a host's hung sockets
     * belong to a few processes, and matching every pattern once a socket multiplied the matches by the sockets.
     */
    private final Map<String, Boolean> protectedName = new ConcurrentHashMap<>(), excludedName = new ConcurrentHashMap<>();
    /** By container ID: a host's hung sockets sit in a few containers. */
    private final Map<String, Optional<String>> excludedContainer = new ConcurrentHashMap<>();
    private final Map<String, Integer> processRuleOf = new ConcurrentHashMap<>();
    public static final String OWNER_UNSEEN = "its owner could not be seen (hck could not read every process's open files)";

    /**
     * @param finTimeout        the namespace's net.ipv4.tcp_fin_timeout: the lifetime of an orphaned
     *                          FIN_WAIT2 socket, needed to turn its timewait timer into an age
     * @param judgeUnseenOwners for the check and metrics, which never act: a held socket whose owner
     *                          hck could not see is judged by its age instead of being left out, so
     *                          that a run without the privileges to read owners never reports too few
     */
    public Decider(Rules rules, long selfPid, Duration finTimeout, boolean judgeUnseenOwners) {
        this.judgeUnseenOwners = judgeUnseenOwners;
        this.rules = rules;
        this.protectedNames = rules.filters().allProtected();
        this.selfPid = selfPid;
        this.finTimeoutMs = finTimeout.toMillis();
    }

    public Decision decide(Sock s, long nowMs) {
        if (s.udp() != null) return decideUdp(s, nowMs);
        if (!s.state().watched()) return new Decision(s, Verdict.NONE, s.state() + " is never touched", null, 0, null);
        long age;
        AgeSource source;
        if (s.timer() != null && s.timer().timewait()) {
            long len = s.state() == TcpState.TIME_WAIT ? TIME_WAIT_LEN_MS : finTimeoutMs;
            age = Math.max(0, len - s.timer().remainingMs());
            source = AgeSource.TIMER;
        } else if (s.stamp() != null) {
            // the exact time in the state, unless traffic since says the socket is not idle
            long traffic = trafficSince(s, s.stamp().ageMs());
            age = Math.min(s.stamp().ageMs(), traffic);
            source = traffic < s.stamp().ageMs() ? AgeSource.TCP_INFO : AgeSource.STAMP;
        } else if (s.hasTcpInfo() && s.finUnacked()) {
            // our FIN is not acknowledged: lastack is the last ACK before the close (FIN_WAIT1) or the
            // peer's FIN (LAST_ACK), both older than the state; the FIN's retransmissions and the first
            // sighting are lower bounds, and the larger one wins
            long retrans = finSentAtLeastMsAgo(s);
            long seen = s.firstSeenMs() == null ? 0 : Math.max(0, nowMs - s.firstSeenMs());
            age = Math.max(retrans, seen);
            source = retrans > seen ? AgeSource.RETRANSMITS : AgeSource.FIRST_SEEN;
        } else if (s.hasTcpInfo()) {
            // lastack counts from the peer's FIN in CLOSE_WAIT; lastrcv would count from the last
            // data, bogus before any arrived. Recent sending means the socket is not idle.
            age = s.lastSndMs() == null ? s.lastAckMs() : Math.min(s.lastAckMs(), s.lastSndMs());
            source = AgeSource.TCP_INFO;
        } else {
            age = s.firstSeenMs() == null ? 0 : Math.max(0, nowMs - s.firstSeenMs());
            source = AgeSource.FIRST_SEEN;
        }

        String skip = exemption(s);
        if (skip != null) return new Decision(s, Verdict.SKIPPED, skip, null, age, source);

        Rules.ProcessRule processRule = processRule(s);
        if (processRule != null && processRule.skip()) {
            return new Decision(s, Verdict.SKIPPED, "process rule '" + processRule.name() + "' says skip (" + who(s) + ")", null, age, source);
        }
        Map<TcpState, Duration> override = Map.of();
        if (processRule != null) {
            override = processRule.timeouts();
        } else {
            Rules.PortRule portRule = portRule(s);
            if (portRule != null && portRule.skip()) {
                return new Decision(s, Verdict.SKIPPED, "port rule " + portRule.port() + " says skip", null, age, source);
            }
            if (portRule != null) override = portRule.timeouts();
        }
        Duration timeout = override.getOrDefault(s.state(), rules.timeouts().get(s.state()));
        if (age > timeout.toMillis()) {
            String reason = hungReason(s, age, source, timeout);
            if (!s.orphan() && s.owners().isEmpty()) reason += "; " + OWNER_UNSEEN;
            return new Decision(s, Verdict.HUNG, reason, timeout, age, source);
        }
        return new Decision(s, Verdict.NONE, s.state() + " for " + Durations.tenths(age) + "s, not over " + Durations.text(timeout),
                timeout, age, source);
    }

    /**
     * A UDP socket is hung when its receive queue stayed at the threshold for longer than the
     * timeout (firstSeenMs: when the queue was first seen there) or its drop counter grew since the
     * last run. Only such sockets are candidates; the exemptions are the TCP ones.
     */
    private Decision decideUdp(Sock s, long nowMs) {
        Rules.Udp u = rules.udp();
        boolean queued = s.recvQ() >= u.minQueue();
        long age = queued && s.firstSeenMs() != null ? Math.max(0, nowMs - s.firstSeenMs()) : 0;
        boolean stuck = queued && age > u.timeout().toMillis();
        boolean dropping = s.udp().dropsGrew();
        if (!stuck && !dropping) {
            return new Decision(s, Verdict.NONE, queued ? "UDP receive queue at " + s.recvQ() + " bytes for " + Durations.tenths(age)
                    + "s, not over " + Durations.text(u.timeout()) : "UDP socket is read and drops nothing", u.timeout(), age, AgeSource.FIRST_SEEN);
        }
        String skip = exemption(s);
        if (skip == null) {
            Rules.ProcessRule pr = processRule(s);
            if (pr != null && pr.skip()) skip = "process rule '" + pr.name() + "' says skip (" + who(s) + ")";
        }
        if (skip != null) return new Decision(s, Verdict.SKIPPED, skip, null, age, AgeSource.FIRST_SEEN);
        List<String> why = new java.util.ArrayList<>();
        if (stuck) why.add("UDP receive queue at " + s.recvQ() + " bytes for " + Durations.tenths(age) + "s > " + Durations.text(u.timeout()) + " (app not reading)");
        if (dropping) why.add("UDP socket dropped " + (s.udp().drops() - s.udp().dropsBefore()) + " datagrams since the last run (receive buffer full)");
        return new Decision(s, Verdict.HUNG, String.join("; ", why), u.timeout(), age, AgeSource.FIRST_SEEN);
    }

    /**
     * Data or ACKs later than this, after the entry into the state, are the entry's own segment
     * (the FIN, or the ACK of ours) seen through tcp_info's jiffies, not traffic.
     */
    static final long SAME_EVENT_MS = 100;

    /**
     * The age of the last traffic the socket had after entering its state, from tcp_info (data
     * sent, data received, and — except where our FIN waits for its ACK, which a peer that stopped
     * reading answers to every window probe — ACKs received), or {@code stampMs} when it had none:
     * time in a state is not idleness, and a socket that still moves data is judged by that.
     */
    static long trafficSince(Sock s, long stampMs) {
        long last = Math.min(s.lastSndMs(), s.lastRcvMs());
        if (!s.finUnacked()) last = Math.min(last, s.lastAckMs());
        return last < stampMs - SAME_EVENT_MS ? last : stampMs;
    }

    /**
     * How long ago the FIN was first sent, at least, from its retransmissions — or 0 when that
     * cannot be said. Only when the FIN is all that is unacknowledged (Send-Q 1: it takes one
     * sequence number), so the retransmit timer is the FIN's and not that of data sent before the
     * close. Each RTO retransmission doubles the timeout (capped), so the k-th timeout before the
     * current one lasted at least rto >> k; the current period has run rto - remaining. Before the
     * first RTO the timer may be a tail loss probe, shorter than the RTO: nothing is claimed then.
     */
    static long finSentAtLeastMsAgo(Sock s) {
        if (s.sendQ() != 1 || s.retrans() == null || s.timer() == null || !"on".equals(s.timer().name())) return 0;
        int n = Math.min(s.retrans().count(), 40);
        long rto = s.retrans().rtoMs();
        if (n < 1 || rto <= 0) return 0;
        long sum = 0;
        for (int k = 1; k <= n; k++) sum += rto >> k;
        return sum + Math.max(0, rto - s.timer().remainingMs());
    }

    /** The reason a candidate is exempt whatever its age, or null. */
    private String exemption(Sock s) {
        for (Owner o : s.owners()) {
            if (o.pid() == 1) return "PID 1 (" + o.name() + ") is always protected";
            if (o.pid() == selfPid) return "the socket belongs to hck itself";
            if (anyMatches(protectedName, protectedNames, o.name())) return "process " + o.name() + " (PID " + o.pid() + ") is protected";
        }
        // A socket with an inode is held by something: if no process was found holding it, it may
        // be a protected one's that hck could not see (/proc unreadable, another PID namespace) or
        // the kernel's own (NFS, iSCSI). An orphan (inode 0) is no one's, and the kernel may destroy it.
        if (!s.orphan() && s.owners().isEmpty() && !judgeUnseenOwners) {
            return "no process found holding it (one hck cannot see, or the kernel's own): never touched, as a protected process's";
        }
        int lp = s.local().port(), rp = s.remote().port();
        if (rules.filters().excludePorts().contains(lp)) return "port " + lp + " is excluded";
        if (rules.filters().excludePorts().contains(rp)) return "port " + rp + " is excluded";
        if (!rules.filters().includePorts().isEmpty() && !rules.filters().includePorts().contains(lp) && !rules.filters().includePorts().contains(rp)) {
            return "neither port " + lp + " nor " + rp + " is in include-ports";
        }
        for (Owner o : s.owners()) {
            if (anyMatches(excludedName, rules.filters().excludeProcesses(), o.name())) return "process " + o.name() + " (PID " + o.pid() + ") is excluded";
        }
        return s.container() == null || rules.filters().excludeContainers().isEmpty() ? null
                : excludedContainer.computeIfAbsent(s.container().id(), id -> containerExclusion(s.container())).orElse(null);
    }

    /** Why a container's sockets are skipped (exclude_containers: a glob over NS/POD or over its name), if they are. */
    private Optional<String> containerExclusion(Container c) {
        for (String p : rules.filters().excludeContainers()) {
            if (c.pod() != null && Names.matches(p, c.pod().toString())) return Optional.of("pod " + c.pod() + " is excluded (exclude_containers: " + p + ")");
            if (Names.matches(p, c.display())) return Optional.of("container " + c.display() + " is excluded (exclude_containers: " + p + ")");
        }
        return Optional.empty();
    }

    private static boolean anyMatches(Map<String, Boolean> known, List<String> patterns, String name) {
        if (name == null || patterns.isEmpty()) return false;
        Boolean yes = known.get(name);
        if (yes == null) {
            yes = false;
            for (String p : patterns) if (Names.matches(p, name)) yes = true;
            known.put(name, yes);
        }
        return yes;
    }

    /** The first process rule any of the socket's owners matches. */
    private Rules.ProcessRule processRule(Sock s) {
        List<Rules.ProcessRule> all = rules.filters().processes();
        if (all.isEmpty()) return null;
        int first = all.size();
        for (Owner o : s.owners()) {
            if (o.name() == null) continue;
            Integer i = processRuleOf.get(o.name());
            if (i == null) {
                i = all.size();
                for (int r = 0; r < all.size() && i == all.size(); r++) if (Names.matches(all.get(r).name(), o.name())) i = r;
                processRuleOf.put(o.name(), i);
            }
            first = Math.min(first, i);
        }
        return first < all.size() ? all.get(first) : null;
    }

    private Rules.PortRule portRule(Sock s) {
        for (Rules.PortRule r : rules.filters().ports()) {
            if (r.port() == s.local().port() || r.port() == s.remote().port()) return r;
        }
        return null;
    }

    private static String who(Sock s) {
        Owner o = s.owner();
        return o == null ? "no owning process" : o.name() + ", PID " + o.pid();
    }

    static String hungReason(Sock s, long ageMs, AgeSource source, Duration timeout) {
        String how = source == AgeSource.FIRST_SEEN ? "seen for " : source == AgeSource.RETRANSMITS ? "for at least "
                : s.state() == TcpState.CLOSE_WAIT && source != AgeSource.STAMP ? "idle " : "for ";
        String why = switch (s.state()) {
            case CLOSE_WAIT -> "app not closing socket: " + Diagnosis.of(s).text;
            case FIN_WAIT1 -> s.sendQ() > 1 ? "peer stopped reading: " + (s.sendQ() - 1) + " bytes wait before our FIN" : "peer not acknowledging our FIN";
            case LAST_ACK -> s.sendQ() > 1 ? "peer stopped reading: " + (s.sendQ() - 1) + " bytes wait before our FIN" : "peer never acknowledged our FIN";
            case FIN_WAIT2 -> s.orphan() ? "orphaned, peer never sent its FIN" : "peer never sent its FIN";
            case CLOSING -> "simultaneous close, final ACK missing";
            case TIME_WAIT -> "left by an active close";
            default -> "unexpected state";
        };
        return s.state() + " " + how + Durations.tenths(ageMs) + "s > " + Durations.text(timeout) + " (" + why + ")";
    }

}

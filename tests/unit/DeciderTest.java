package hck.decide;

import hck.support.Socks;

import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.SocketTimer;
import hck.model.Sock;
import hck.model.TcpState;
import hck.rules.Rules;
import hck.rules.RulesLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The decision with plain values: no kernel, no files. */
class DeciderTest {
    static final long SELF = 4242;
    static final long NOW = 1_800_000_000_000L;
    static final Endpoint LOCAL = new Endpoint("10.0.0.5", 8080, null);
    static final Endpoint REMOTE = new Endpoint("10.0.0.100", 52431, null);

    static Sock full(TcpState state, long lastAckMs, Owner... owners) {
        return Socks.of(state, LOCAL, REMOTE, 1, 0, 99817, "1a2b", null, lastAckMs, lastAckMs, lastAckMs, List.of(owners), null);
    }

    /** A full socket {@code ageMs} into its state: by lastack, or for an unacknowledged FIN by its first sighting (lastack far older). */
    static Sock aged(TcpState state, long ageMs) {
        if (state != TcpState.FIN_WAIT1 && state != TcpState.LAST_ACK) return full(state, ageMs, APP);
        return full(state, ageMs * 10, APP).withFirstSeen(NOW - ageMs);
    }

    static Sock timewait(TcpState state, long remainingMs) {
        return Socks.of(state, LOCAL, REMOTE, 0, 0, 0, "2c", new SocketTimer("timewait", remainingMs, 0), null, null, null, List.of(), null);
    }

    static Sock on(Sock s, int localPort, int remotePort) {
        return Socks.of(s.state(), new Endpoint("10.0.0.5", localPort, null), new Endpoint("10.0.0.100", remotePort, null),
                0, 0, s.inode(), s.cookie(), s.timer(), s.lastSndMs(), s.lastRcvMs(), s.lastAckMs(), s.owners(), s.firstSeenMs());
    }

    static Decision decide(Rules rules, Sock s) {
        return new Decider(rules, SELF, Duration.ofSeconds(60), false).decide(s, NOW);
    }

    static Rules rules(String yaml) throws Exception {
        return RulesLoader.parse(yaml, "test.yaml");
    }

    static final Owner APP = new Owner(1234, 7, "myapp");

    @Test
    void closeWaitOverTimeoutIsHungWithTheSeedsReason() {
        Decision d = decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 75_200, APP));
        assertEquals(Verdict.HUNG, d.verdict());
        assertEquals("CLOSE_WAIT idle 75.2s > 60s (app not closing socket: it never read the end of the stream)", d.reason());
        assertEquals(Duration.ofSeconds(60), d.timeout());
        assertEquals(75_200, d.ageMs());
        assertEquals(AgeSource.TCP_INFO, d.ageSource());
    }

    @Test
    void atOrBelowTimeoutIsNotListed() {
        assertEquals(Verdict.NONE, decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 60_000, APP)).verdict());
        assertEquals(Verdict.NONE, decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 3_000, APP)).verdict());
    }

    @Test
    void everyWatchedStateHasItsTimeoutAndReason() {
        record Case(TcpState state, long justOver, String words) {}
        for (Case c : List.of(
                new Case(TcpState.CLOSE_WAIT, 60_001, "app not closing socket"),
                new Case(TcpState.FIN_WAIT1, 120_001, "peer not acknowledging our FIN"),
                new Case(TcpState.FIN_WAIT2, 120_001, "peer never sent its FIN"),
                new Case(TcpState.CLOSING, 60_001, "final ACK missing"),
                new Case(TcpState.LAST_ACK, 60_001, "peer never acknowledged our FIN"),
                new Case(TcpState.TIME_WAIT, 120_001, "active close"))) {
            Decision hung = decide(Rules.BUILT_IN, aged(c.state, c.justOver));
            assertEquals(Verdict.HUNG, hung.verdict(), c.state.name());
            assertTrue(hung.reason().startsWith(c.state.name() + " "), hung.reason());
            assertTrue(hung.reason().contains(c.words), hung.reason());
            assertEquals(Verdict.NONE, decide(Rules.BUILT_IN, aged(c.state, c.justOver - 1)).verdict(), c.state.name());
        }
    }

    @Test
    void safeStatesAreNeverListedWhateverTheRules() throws Exception {
        Rules zero = rules("timeouts: {CLOSE_WAIT: 0, FIN_WAIT1: 0, FIN_WAIT2: 0, CLOSING: 0, LAST_ACK: 0, TIME_WAIT: 0}");
        for (TcpState s : List.of(TcpState.ESTABLISHED, TcpState.LISTEN, TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.NEW_SYN_RECV)) {
            assertEquals(Verdict.NONE, decide(zero, full(s, 10_000_000, APP)).verdict(), s.name());
        }
    }

    @Test
    void ageIsTheMinimumOfLastAckAndLastSnd() {
        Sock busy = Socks.of(TcpState.CLOSE_WAIT, LOCAL, REMOTE, 1, 0, 1, "1", null, 2_000L, 90_000L, 90_000L, List.of(APP), null);
        Decision d = decide(Rules.BUILT_IN, busy);
        assertEquals(2_000, d.ageMs(), "a socket the app still writes to is not idle");
        assertEquals(Verdict.NONE, d.verdict());
    }

    @Test
    void timewaitAgesComeFromTheTimer() throws Exception {
        Decision tw = decide(rules("timeouts: {TIME_WAIT: 30}"), timewait(TcpState.TIME_WAIT, 20_000));
        assertEquals(40_000, tw.ageMs());
        assertEquals(AgeSource.TIMER, tw.ageSource());
        assertEquals(Verdict.HUNG, tw.verdict());
        assertEquals(Verdict.NONE, decide(Rules.BUILT_IN, timewait(TcpState.TIME_WAIT, 0)).verdict(),
                "TIME_WAIT never reaches the default 120 s");

        // orphaned FIN_WAIT2 lives tcp_fin_timeout of its namespace
        Sock fw2 = timewait(TcpState.FIN_WAIT2, 10_000);
        Decision at30 = new Decider(rules("timeouts: {FIN_WAIT2: 15}"), SELF, Duration.ofSeconds(30), false).decide(fw2, NOW);
        assertEquals(20_000, at30.ageMs());
        assertEquals(Verdict.HUNG, at30.verdict());
        assertTrue(at30.reason().contains("orphaned"), at30.reason());
        Decision at60 = new Decider(rules("timeouts: {FIN_WAIT2: 15}"), SELF, Duration.ofSeconds(60), false).decide(fw2, NOW);
        assertEquals(50_000, at60.ageMs());
    }

    @Test
    void firstSeenAgesWhenTheKernelTellsNothing() {
        Sock seen = Socks.of(TcpState.CLOSE_WAIT, LOCAL, REMOTE, 1, 0, 5, null, null, null, null, null, List.of(APP), NOW - 61_000);
        Decision d = decide(Rules.BUILT_IN, seen);
        assertEquals(AgeSource.FIRST_SEEN, d.ageSource());
        assertEquals(61_000, d.ageMs());
        assertEquals(Verdict.HUNG, d.verdict());
        assertTrue(d.reason().startsWith("CLOSE_WAIT seen for 61.0s > 60s"), d.reason());
        Sock fresh = seen.withFirstSeen(NOW);
        assertEquals(0, decide(Rules.BUILT_IN, fresh).ageMs(), "a first sighting is age 0");
    }

    @Test
    void protectedProcessesAreSkippedWhateverTheirAge() throws Exception {
        for (String name : Rules.BUILT_IN_PROTECTED) {
            Decision d = decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 5_000, new Owner(77, 3, name)));
            assertEquals(Verdict.SKIPPED, d.verdict(), name);
            assertEquals("process " + name + " (PID 77) is protected", d.reason());
        }
        Rules extra = rules("protected_processes: [\"haproxy*\"]");
        assertEquals(Verdict.SKIPPED, decide(extra, full(TcpState.CLOSE_WAIT, 999_000, new Owner(5, 3, "haproxy-2"))).verdict());
        assertEquals(Verdict.SKIPPED, decide(extra, full(TcpState.CLOSE_WAIT, 999_000, new Owner(5, 3, "sshd"))).verdict(),
                "a rules file adds to the built-in list, never replaces it");
        assertEquals("PID 1 (tini) is always protected", decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 999_000, new Owner(1, 3, "tini"))).reason());
        assertEquals("the socket belongs to hck itself", decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 999_000, new Owner(SELF, 3, "java"))).reason());
    }

    @Test
    void aSharedSocketIsProtectedWhenAnyOwnerIs() {
        Decision d = decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 999_000, APP, new Owner(1300, 4, "sshd")));
        assertEquals(Verdict.SKIPPED, d.verdict());
        assertTrue(d.reason().contains("sshd"));
    }

    @Test
    void excludedPortsLocalOrRemote() {
        assertEquals("port 22 is excluded", decide(Rules.BUILT_IN, on(full(TcpState.CLOSE_WAIT, 1, APP), 22, 5000)).reason());
        assertEquals("port 22 is excluded", decide(Rules.BUILT_IN, on(full(TcpState.CLOSE_WAIT, 1, APP), 5000, 22)).reason());
        assertEquals(Verdict.SKIPPED, decide(Rules.BUILT_IN, on(full(TcpState.CLOSE_WAIT, 1, APP), 5000, 22)).verdict(),
                "skipped whatever its age");
    }

    @Test
    void includePortsLimitTheCandidates() throws Exception {
        Rules r = rules("include: {ports: [5432]}");
        assertEquals(Verdict.SKIPPED, decide(r, full(TcpState.CLOSE_WAIT, 999_000, APP)).verdict());
        assertEquals("neither port 8080 nor 52431 is in include-ports", decide(r, full(TcpState.CLOSE_WAIT, 999_000, APP)).reason());
        assertEquals(Verdict.HUNG, decide(r, on(full(TcpState.CLOSE_WAIT, 999_000, APP), 40000, 5432)).verdict());
    }

    @Test
    void excludedProcessesByNameOrGlob() throws Exception {
        Rules r = rules("exclude: {processes: [\"my*\"]}");
        Decision d = decide(r, full(TcpState.CLOSE_WAIT, 999_000, APP));
        assertEquals(Verdict.SKIPPED, d.verdict());
        assertEquals("process myapp (PID 1234) is excluded", d.reason());
    }

    @Test
    void orphansAreJudgedLikeAnyOtherSocket() {
        Sock orphan = Socks.of(TcpState.FIN_WAIT1, LOCAL, REMOTE, 0, 1, 0, "9", null, 130_000L, 130_000L, 130_000L, List.of(), NOW - 130_000);
        Decision d = decide(Rules.BUILT_IN, orphan);
        assertEquals(Verdict.HUNG, d.verdict());
    }

    @Test
    void aHeldSocketWhoseOwnerWasNotFoundIsNeverTouched() {
        // inode 99817: some process or the kernel holds it; which, hck could not see
        Decision d = decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 999_000));
        assertEquals(Verdict.SKIPPED, d.verdict());
        assertEquals("no process found holding it (one hck cannot see, or the kernel's own): never touched, as a protected process's", d.reason());
        assertEquals(Verdict.HUNG, decide(Rules.BUILT_IN, full(TcpState.CLOSE_WAIT, 999_000, APP)).verdict());
    }

    @Test
    void precedence() throws Exception {
        Rules r = rules("""
                exclude: {ports: [22], processes: [excluded]}
                processes:
                  - {name: "java*", timeouts: {CLOSE_WAIT: 300}}
                  - {name: java, action: skip}
                  - {name: "nginx*", action: skip}
                  - {name: sshd, timeouts: {CLOSE_WAIT: 1}}
                ports:
                  - {port: 5432, timeouts: {CLOSE_WAIT: 600}}
                  - {port: 8080, timeouts: {CLOSE_WAIT: 10}}
                  - {port: 6379, action: skip}
                """);
        Owner java = new Owner(10, 3, "java");
        // first matching process rule wins: "java*" (300 s), not the later "java" skip
        assertEquals(Verdict.NONE, decide(r, full(TcpState.CLOSE_WAIT, 200_000, java)).verdict());
        assertEquals(Duration.ofSeconds(300), decide(r, full(TcpState.CLOSE_WAIT, 301_000, java)).timeout());
        // a process rule beats a port rule: java on 8080 uses 300, not 10
        assertEquals(Verdict.NONE, decide(r, full(TcpState.CLOSE_WAIT, 20_000, java)).verdict());
        // the port rule applies when no process rule matched
        assertEquals(Duration.ofSeconds(10), decide(r, full(TcpState.CLOSE_WAIT, 20_000, APP)).timeout());
        assertEquals(Duration.ofSeconds(600), decide(r, on(full(TcpState.CLOSE_WAIT, 601_000, APP), 40000, 5432)).timeout());
        assertEquals("port rule 6379 says skip", decide(r, on(full(TcpState.CLOSE_WAIT, 1, APP), 6379, 40000)).reason());
        // action: skip
        Decision nginx = decide(r, full(TcpState.CLOSE_WAIT, 999_000, new Owner(11, 3, "nginx: worker")));
        assertEquals(Verdict.SKIPPED, nginx.verdict());
        assertEquals("process rule 'nginx*' says skip (nginx: worker, PID 11)", nginx.reason());
        // protection beats any process rule
        assertEquals(Verdict.SKIPPED, decide(r, full(TcpState.CLOSE_WAIT, 999_000, new Owner(12, 3, "sshd"))).verdict());
        // an excluded port beats a process rule, an excluded process beats a process rule
        assertEquals("port 22 is excluded", decide(r, on(full(TcpState.CLOSE_WAIT, 999_000, java), 22, 5000)).reason());
        assertEquals(Verdict.SKIPPED, decide(r, full(TcpState.CLOSE_WAIT, 999_000, new Owner(13, 3, "excluded"))).verdict());
        // states a rule does not name keep the global timeout
        assertEquals(Duration.ofSeconds(120), decide(r, full(TcpState.FIN_WAIT1, 1, java)).timeout());
    }

    /**
     * The observation of the issue: FIN_WAIT1 2.4 s after the close of a connection idle for 22 s,
     * the peer's ACKs dropped — {@code timer:(on,888ms,3) … lastack:25744 … unacked:1}, rto 1600 ms.
     * lastack says 25.7 s; the FIN's three retransmissions say at least 200+400+800 ms plus 712 ms
     * of the current timeout: 2.1 s, never above the truth.
     */
    @Test
    void anUnacknowledgedFinIsAgedFromItsRetransmissionsNeverFromLastack() throws Exception {
        Sock fw1 = Socks.withRetrans(Socks.of(TcpState.FIN_WAIT1, LOCAL, REMOTE, 0, 1, 0, "9", new SocketTimer("on", 888, 3), 25_744L, 25_744L, 25_744L,
                List.of(), null), new hck.model.Retrans(3, 3, 1600));
        Decision d = new Decider(rules("timeouts: {FIN_WAIT1: 14}"), SELF, Duration.ofSeconds(60), false).decide(fw1, NOW);
        assertEquals(2112, d.ageMs());
        assertEquals(AgeSource.RETRANSMITS, d.ageSource());
        assertEquals(Verdict.NONE, d.verdict(), "2.4 s into FIN_WAIT1 is not hung at 14 s");
        // a first sighting further back is the larger lower bound
        Decision seen = decide(Rules.BUILT_IN, fw1.withFirstSeen(NOW - 5_000));
        assertEquals(5_000, seen.ageMs());
        assertEquals(AgeSource.FIRST_SEEN, seen.ageSource());
        // data outstanding besides the FIN (Send-Q 5): the timer may predate the close, so it says nothing
        Sock withData = Socks.withRetrans(Socks.of(TcpState.FIN_WAIT1, LOCAL, REMOTE, 0, 5, 0, "9", new SocketTimer("on", 888, 3), 25_744L, 25_744L,
                25_744L, List.of(), null), new hck.model.Retrans(3, 3, 1600));
        assertEquals(0, decide(Rules.BUILT_IN, withData).ageMs());
        // before the first RTO the timer may be a tail loss probe: nothing is claimed
        Sock noRetrans = Socks.withRetrans(Socks.of(TcpState.LAST_ACK, LOCAL, REMOTE, 0, 1, 0, "9", new SocketTimer("on", 150, 0), 90_000L, 90_000L,
                90_000L, List.of(), null), new hck.model.Retrans(0, 0, 200));
        Decision la = decide(Rules.BUILT_IN, noRetrans);
        assertEquals(0, la.ageMs(), "LAST_ACK's lastack is the peer's FIN, before all of CLOSE_WAIT");
        assertEquals(AgeSource.FIRST_SEEN, la.ageSource());
        // CLOSING keeps lastack: it began with the peer's FIN, the last ACK received
        assertEquals(AgeSource.TCP_INFO, decide(Rules.BUILT_IN, full(TcpState.CLOSING, 7_000, APP)).ageSource());
    }

    /** A full socket with tcp_info's three times and, where {@code stampMs} is not null, a stamp of its entry into {@code stamped}. */
    static Sock stamped(TcpState state, long sendQ, long lastSnd, long lastRcv, long lastAck, TcpState stamped, long stampMs) {
        return Socks.withStamp(Socks.of(state, LOCAL, REMOTE, 0, sendQ, 99817, "1a2b", null, lastSnd, lastRcv, lastAck, List.of(APP), null), stamped, stampMs);
    }

    /**
     * A stamp is the exact time in the state: the ACK or FIN that began the state (tcp_info's
     * jiffies within {@link Decider#SAME_EVENT_MS}) is not traffic; later data or ACKs are, and the
     * age is then theirs (time in a state is not idleness). Where our FIN waits for its ACK, ACKs
     * (a peer answering window probes) are not traffic; data is.
     */
    @Test
    void aStampIsTheAgeUnlessTrafficFollowedIt() throws Exception {
        Decision cw = decide(Rules.BUILT_IN, stamped(TcpState.CLOSE_WAIT, 0, 90_000, 75_230, 75_196, TcpState.CLOSE_WAIT, 75_200));
        assertEquals(75_200, cw.ageMs());
        assertEquals(AgeSource.STAMP, cw.ageSource());
        assertEquals(Verdict.HUNG, cw.verdict());
        assertTrue(cw.reason().startsWith("CLOSE_WAIT for 75.2s > 60s"), cw.reason());
        // the application still writes: lastsnd (and the peer's ACKs) are recent, whatever the time in the state
        Decision writing = decide(Rules.BUILT_IN, stamped(TcpState.CLOSE_WAIT, 0, 2_000, 300_000, 2_100, TcpState.CLOSE_WAIT, 300_000));
        assertEquals(2_000, writing.ageMs());
        assertEquals(AgeSource.TCP_INFO, writing.ageSource());
        assertEquals(Verdict.NONE, writing.verdict());
        // FIN_WAIT1 behind data a peer stopped reading: its ACKs to the window probes are fresh, nothing else moved
        Rules six = rules("timeouts: {FIN_WAIT1: 6, LAST_ACK: 6}");
        Decision fw1 = new Decider(six, SELF, Duration.ofSeconds(60), false).decide(
                stamped(TcpState.FIN_WAIT1, 40_001, 9_400, 60_000, 150, TcpState.FIN_WAIT1, 9_000), NOW);
        assertEquals(9_000, fw1.ageMs());
        assertEquals(AgeSource.STAMP, fw1.ageSource());
        assertEquals(Verdict.HUNG, fw1.verdict());
        assertTrue(fw1.reason().contains("peer stopped reading: 40000 bytes wait before our FIN"), fw1.reason());
        // the same with the queue still draining: data sent 300 ms ago
        Decision draining = new Decider(six, SELF, Duration.ofSeconds(60), false).decide(
                stamped(TcpState.FIN_WAIT1, 40_001, 300, 60_000, 150, TcpState.FIN_WAIT1, 9_000), NOW);
        assertEquals(300, draining.ageMs());
        assertEquals(Verdict.NONE, draining.verdict());
        // a half-closed FIN_WAIT2 whose peer still sends: lastrcv
        Decision halfOpen = decide(Rules.BUILT_IN, stamped(TcpState.FIN_WAIT2, 0, 500_000, 800, 800, TcpState.FIN_WAIT2, 500_000));
        assertEquals(800, halfOpen.ageMs());
        assertEquals(Verdict.NONE, halfOpen.verdict());
        // a stamp of a state the socket has left says nothing: LAST_ACK with CLOSE_WAIT's stamp keeps today's lower bound
        Decision left = decide(Rules.BUILT_IN, stamped(TcpState.LAST_ACK, 1, 90_000, 90_000, 90_000, TcpState.CLOSE_WAIT, 90_000));
        assertEquals(AgeSource.FIRST_SEEN, left.ageSource());
        assertEquals(0, left.ageMs());
    }

    @Test
    void closeWaitRecvQTellsWhichBugTheApplicationHas() {
        for (long q : new long[] {0, 1, 4097}) {
            Sock s = Socks.of(TcpState.CLOSE_WAIT, LOCAL, REMOTE, q, 0, 99817, "1a2b", null, 75_200L, 75_200L, 75_200L,
                    List.of(APP), null);
            String r = decide(Rules.BUILT_IN, s).reason();
            String expected = q == 0 ? "it read the end of the stream but never called close()"
                    : q == 1 ? "it never read the end of the stream" : "it left data unread before the end of the stream";
            assertTrue(r.endsWith("(app not closing socket: " + expected + ")"), r);
        }
    }
}

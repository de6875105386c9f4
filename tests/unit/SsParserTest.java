package hck.scan;

import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Parses real ss output captured by tests/fixtures/capture.sh. */
class SsParserTest {
    static final Path FIXTURES = Path.of(System.getProperty("hck.fixtures", "tests/fixtures"));

    static List<Sock> parse(List<String> lines, long[] bad) {
        List<Sock> out = new ArrayList<>();
        SsParser p = new SsParser(out::add);
        lines.forEach(p::line);
        p.finish();
        if (bad != null) bad[0] = p.badLines();
        return out;
    }

    static List<Sock> fixture(String name) throws Exception {
        long[] bad = new long[1];
        List<Sock> s = parse(Files.readAllLines(FIXTURES.resolve("ss").resolve(name)), bad);
        assertEquals(0, bad[0], "every line of a real capture parses");
        return s;
    }

    static long mainLines(String name) throws Exception {
        return Files.readAllLines(FIXTURES.resolve("ss").resolve(name)).stream()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).count();
    }

    static Sock find(List<Sock> all, TcpState state, String local) {
        return all.stream().filter(s -> s.state() == state && s.local().toString().equals(local)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + state + " " + local + " in " + all));
    }

    @Test
    void everySocketOfTheCaptureIsParsed() throws Exception {
        assertEquals(mainLines("watched.txt"), fixture("watched.txt").size());
        assertEquals(mainLines("all.txt"), fixture("all.txt").size());
    }

    @Test
    void closeWaitWithTcpInfo() throws Exception {
        Sock s = fixture("watched.txt").stream()
                .filter(x -> x.state() == TcpState.CLOSE_WAIT && x.local().address().equals("::1")).findFirst().orElseThrow();
        assertEquals(new Endpoint("::1", 9000, null), s.remote());
        assertTrue(s.inode() > 0);
        assertNotNull(s.cookie());
        assertTrue(s.hasTcpInfo());
        assertTrue(s.lastAckMs() > 0 && s.lastSndMs() > 0 && s.lastRcvMs() > 0);
        assertEquals(1, s.recvQ(), "the FIN counts one byte in Recv-Q");
        assertNull(s.timer());
    }

    @Test
    void ipv4MappedAndZonedAddresses() throws Exception {
        List<Sock> all = fixture("watched.txt");
        Set<String> text = all.stream().map(s -> s.local().toString()).collect(Collectors.toSet());
        assertTrue(text.stream().anyMatch(t -> t.matches("127\\.0\\.0\\.1:\\d+")), "plain IPv4: " + text);
        assertTrue(text.stream().anyMatch(t -> t.matches("\\[::ffff:127\\.0\\.0\\.1]:\\d+")), "v4-mapped: " + text);
        Sock zoned = all.stream().filter(s -> "d0".equals(s.local().zone()) && s.state() == TcpState.CLOSE_WAIT)
                .findFirst().orElseThrow();
        assertTrue(zoned.local().toString().matches("\\[fe80::1%d0]:\\d+"), zoned.local().toString());
        assertEquals("[fe80::1%d0]:9000", zoned.remote().toString(), "a link-local peer is reached through the same interface");
    }

    @Test
    void timewaitKindSocketsCarryTheirTimerAndNoTcpInfo() throws Exception {
        List<Sock> all = fixture("watched.txt");
        List<Sock> tw = all.stream().filter(s -> s.state() == TcpState.TIME_WAIT).toList();
        List<Sock> fw2 = all.stream().filter(s -> s.state() == TcpState.FIN_WAIT2).toList();
        assertFalse(tw.isEmpty());
        assertFalse(fw2.isEmpty());
        for (Sock s : concat(tw, fw2)) {
            assertTrue(s.orphan(), s.describe());
            assertFalse(s.hasTcpInfo(), s.describe());
            assertEquals("timewait", s.timer().name());
            assertTrue(s.timer().remainingMs() > 40_000 && s.timer().remainingMs() <= 60_000, s.timer().toString());
        }
    }

    @Test
    void unwatchedStatesParseToo() throws Exception {
        Set<TcpState> states = fixture("all.txt").stream().map(Sock::state).collect(Collectors.toSet());
        assertTrue(states.containsAll(Set.of(TcpState.ESTABLISHED, TcpState.LISTEN, TcpState.CLOSE_WAIT)), states.toString());
        Sock listen = fixture("all.txt").stream().filter(s -> s.state() == TcpState.LISTEN).findFirst().orElseThrow();
        assertEquals("::", listen.local().address(), "ss prints an AF_INET6 socket's any-address as *");
    }

    @Test
    void garbageAndTruncatedLinesAreCountedAndSkipped() throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(FIXTURES.resolve("ss").resolve("watched.txt")));
        int before = fixture("watched.txt").size();
        String first = lines.get(0);
        lines.add(0, "garbage that is no socket");
        lines.add(first.substring(0, 30)); // cut in the middle of an address
        lines.add("CLOSE-WAIT x y 1.2.3.4:5 6.7.8.9:10");
        lines.add("ESTAB 0 0 1.2.3.4:99999 6.7.8.9:10");
        lines.add(2, "\t lastack:notanumber"); // an info line that belongs to the first socket
        long[] bad = new long[1];
        List<Sock> parsed = parse(lines, bad);
        assertEquals(before, parsed.size());
        assertEquals(5, bad[0]);
    }

    @Test
    void timerForms() {
        // the inverse of ss's print_ms_timer (misc/ss.c)
        assertEquals(83_000, SsParser.parseMsTimer("1min23sec"));
        assertEquals(600_000, SsParser.parseMsTimer("10min"));
        assertEquals(57_000, SsParser.parseMsTimer("57sec"));
        assertEquals(5_123, SsParser.parseMsTimer("5.123ms"));
        assertEquals(350, SsParser.parseMsTimer("350ms"));
        assertEquals(0, SsParser.parseMsTimer(""));
        assertEquals(61_000, SsParser.timer("timer:(keepalive,1min1sec,0)").remainingMs());
        assertEquals(2, SsParser.timer("timer:(on,350ms,2)").retransmits());
        assertThrows(IllegalArgumentException.class, () -> SsParser.timer("timer:(on,fast,0)"));
    }

    @Test
    void endpointForms() {
        assertEquals(new Endpoint("10.0.0.5", 8080, null), SsParser.endpoint("10.0.0.5:8080"));
        assertEquals(new Endpoint("2001:db8::1", 443, null), SsParser.endpoint("[2001:db8::1]:443"));
        assertEquals(new Endpoint("fe80::1", 22, "eth0"), SsParser.endpoint("[fe80::1]%eth0:22"));
        assertEquals("[fe80::1%eth0]:22", SsParser.endpoint("[fe80::1]%eth0:22").toString());
        assertEquals(new Endpoint("10.0.0.5", 80, "eth1"), SsParser.endpoint("10.0.0.5%eth1:80"));
        assertEquals(new Endpoint("::", 0, null), SsParser.endpoint("*:*"));
        assertThrows(RuntimeException.class, () -> SsParser.endpoint("10.0.0:80"));
        assertThrows(RuntimeException.class, () -> SsParser.endpoint("[::1:80"));
    }

    static Set<String> identities(List<Sock> s) {
        return s.stream().map(x -> x.state() + " " + x.local() + " " + x.remote() + " " + x.inode() + " " + x.cookie())
                .collect(Collectors.toSet());
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}

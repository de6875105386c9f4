package hck.scan;

import hck.model.Addresses;
import hck.model.Endpoint;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** /proc/net/tcp{,6} captured from the same sockets as the ss fixtures. */
class ProcNetParserTest {

    @Test
    void sameSocketsAsSsSawAtCapture() throws Exception {
        ScanResult proc = new ProcNetSource(SsParserTest.FIXTURES.resolve("proc")).scan();
        Set<String> fromProc = proc.candidates().stream().map(ProcNetParserTest::id).collect(Collectors.toSet());
        Set<String> fromSs = SsParserTest.fixture("watched.txt").stream().map(ProcNetParserTest::id).collect(Collectors.toSet());
        assertEquals(fromSs, fromProc);
        assertEquals(0, proc.parseErrors());
        assertEquals(SsParserTest.mainLines("all.txt"), proc.scanned());
    }

    /** /proc has no zone: compare without it. */
    static String id(Sock s) {
        return s.state() + " " + s.local().address() + ":" + s.local().port() + " " + s.remote().address() + ":"
                + s.remote().port() + " " + s.inode();
    }

    @Test
    void timewaitTimerInClockTicks() {
        Sock s = ProcNetParser.parse("   1: 0100007F:D4D2 0100007F:2328 06 00000000:00000000 03:00001652 00000000     0        0 0 3 0000000000000000");
        assertEquals(TcpState.TIME_WAIT, s.state());
        assertEquals("127.0.0.1:54482", s.local().toString());
        assertEquals(9000, s.remote().port());
        assertEquals("timewait", s.timer().name());
        assertEquals(0x1652 * 10L, s.timer().remainingMs());
        assertTrue(s.orphan());
    }

    @Test
    void headerIsNotASocketAndGarbageThrows() {
        assertNull(ProcNetParser.parse("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"));
        assertThrows(RuntimeException.class, () -> ProcNetParser.parse("   0: zz:1 00:2 08"));
        assertThrows(RuntimeException.class, () -> ProcNetParser.parse("   0: 0100007F:1F90 00000000:0000 63 00000000:00000000 00:00000000 00000000 0 0 1 1"));
    }

    @Test
    void ipv6Words() {
        assertEquals(new Endpoint("::1", 8080, null), ProcNetParser.endpoint("00000000000000000000000001000000:1F90"));
        assertEquals("::ffff:127.0.0.1", ProcNetParser.endpoint("0000000000000000FFFF00000100007F:0016").address());
    }

    @Test
    void inetNtopCompatibleText() {
        HexFormat hex = HexFormat.of();
        assertEquals("::", Addresses.ipv6(hex.parseHex("00000000000000000000000000000000")));
        assertEquals("::1", Addresses.ipv6(hex.parseHex("00000000000000000000000000000001")));
        assertEquals("fe80::1", Addresses.ipv6(hex.parseHex("fe800000000000000000000000000001")));
        assertEquals("2001:db8::1:0:0:1", Addresses.ipv6(hex.parseHex("20010db8000000000001000000000001")));
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.ipv6(hex.parseHex("20010db8000000010001000100010001")));
        assertEquals("1::", Addresses.ipv6(hex.parseHex("00010000000000000000000000000000")));
        assertEquals("::ffff:10.1.2.3", Addresses.ipv6(hex.parseHex("00000000000000000000ffff0a010203")));
        assertEquals("::10.1.2.3", Addresses.ipv6(hex.parseHex("0000000000000000000000000a010203")));
    }
}

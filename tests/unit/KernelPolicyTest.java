package hck.act;

import hck.support.Socks;

import hck.sys.KernelInfo;
import hck.model.Endpoint;
import hck.model.SocketTimer;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Which destroys each kernel release can really do: a pure function of the release, the socket and the rules. */
class KernelPolicyTest {
    static final Endpoint L = new Endpoint("10.0.0.5", 8080, null), R = new Endpoint("10.0.0.9", 40000, null);

    static String why(String release, boolean oldOrphans, Sock s) {
        return new KernelInfo(release, true, false, false).cannotDestroy(s, oldOrphans);
    }

    static Sock sock(TcpState state, long inode, SocketTimer timer) {
        return Socks.of(state, L, R, 0, 1, inode, "1", timer, inode == 0 && timer != null ? null : 5L, 5L, 5L, List.of(), null);
    }

    @Test
    void orphansWithAFinOutstandingWaitFor611AndTimeWaitFor60() {
        for (TcpState st : List.of(TcpState.FIN_WAIT1, TcpState.LAST_ACK, TcpState.CLOSING)) {
            Sock orphan = sock(st, 0, new SocketTimer("on", 300, 2));
            assertTrue(why("6.6.0", false, orphan).contains("before Linux 6.11"), st.name());
            assertNull(why("6.6.0", true, orphan), "old_kernel_orphans: destroy");
            assertNull(why("6.11.0", false, orphan));
            assertNull(why("6.6.0", false, sock(st, 4711, new SocketTimer("on", 300, 2))), "an owned socket is not an orphan");
        }
        assertNull(why("5.4.0", false, sock(TcpState.FIN_WAIT2, 0, new SocketTimer("timewait", 3000, 0))), "orphaned FIN_WAIT2 has no FIN outstanding");
        Sock tw = sock(TcpState.TIME_WAIT, 0, new SocketTimer("timewait", 3000, 0));
        assertTrue(why("5.15.0", false, tw).contains("cannot destroy TIME_WAIT"));
        assertNull(why("6.0.0", false, tw));
    }
}

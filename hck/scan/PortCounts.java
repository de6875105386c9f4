package hck.scan;

import hck.model.PortUse;
import hck.model.TcpState;
import hck.sys.Host;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ephemeral ports of one network namespace in use, per local address and destination: a
 * socket in any state but LISTEN whose local port connect() could have picked (the namespace's
 * ip_local_port_range less ip_local_reserved_ports) holds it for that 4-tuple family. Filled
 * during the dump, from the addresses it already turns into (shared) strings.
 */
public final class PortCounts {
    private record Dest(String local, String remote, int port) {}

    private final int lo, hi;
    private final BitSet reserved;
    private final int available;
    private final Map<Dest, int[]> counts = new HashMap<>();

    PortCounts(int lo, int hi, BitSet reserved) {
        this.lo = lo;
        this.hi = hi;
        this.reserved = reserved;
        this.available = Math.max(0, hi - lo + 1 - reserved.get(lo, hi + 1).cardinality());
    }

    /** The range and reservations of the calling thread's network namespace. */
    static PortCounts ofThisNamespace() {
        int[] r = Host.localPortRange();
        return new PortCounts(r[0], r[1], Host.reservedPorts());
    }

    /** Whether connect() could have picked this local port. */
    boolean ephemeral(int port) {
        return port >= lo && port <= hi && !reserved.get(port);
    }

    void add(TcpState state, String local, int localPort, String remote, int remotePort) {
        if (state == TcpState.LISTEN || !ephemeral(localPort)) return;
        counts.computeIfAbsent(new Dest(local, remote, remotePort), k -> new int[TcpState.values().length])[state.ordinal()]++;
    }

    /** Forgets a partial dump the kernel answered before refusing it. */
    void clear() {
        counts.clear();
    }

    public int available() {
        return available;
    }

    /** The fullest destination's ports in use, in percent of those available (0 with none). */
    public double fullestPercent() {
        int max = 0;
        for (int[] byState : counts.values()) {
            int inUse = 0;
            for (int n : byState) inUse += n;
            max = Math.max(max, inUse);
        }
        return available == 0 ? (max > 0 ? 100 : 0) : 100.0 * max / available;
    }

    /** The destinations whose ports in use are at least {@code percent} of those available, fullest first. */
    public List<PortUse> atLeast(String netns, double percent) {
        List<PortUse> out = new ArrayList<>();
        counts.forEach((d, byState) -> {
            int inUse = 0;
            for (int n : byState) inUse += n;
            if (available > 0 && 100.0 * inUse / available < percent) return;
            Map<TcpState, Integer> states = new EnumMap<>(TcpState.class);
            for (TcpState s : TcpState.values()) if (byState[s.ordinal()] > 0) states.put(s, byState[s.ordinal()]);
            String remote = d.remote().indexOf(':') >= 0 ? "[" + d.remote() + "]:" + d.port() : d.remote() + ":" + d.port();
            out.add(new PortUse(netns, d.local(), remote, inUse, available, states));
        });
        out.sort((a, b) -> Double.compare(b.percent(), a.percent()));
        return out;
    }
}

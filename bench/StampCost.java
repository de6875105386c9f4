import hck.bpf.Bpf;
import hck.bpf.Stamps;
import hck.sys.KernelInfo;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the stamps cost, from the kernel's own accounting: bench/stamp-cost.sh runs it as root in a
 * private namespace with a bpffs of its own at DIR. The stamp program is installed at DIR/hck;
 * with BPF_ENABLE_STATS on (held by an fd, released at exit; the sysctl kernel.bpf_stats_enabled
 * is left as it is), N loopback connections are opened and closed (every state change of both
 * ends runs the program), and run_time_ns / run_cnt is its cost per state change. Then the same
 * loop's wall time, interleaved with and without the program loaded, ROUNDS times.
 *   java -cp CLASSPATH bench/StampCost.java DIR N ROUNDS
 */
class StampCost {
    public static void main(String[] a) throws Exception {
        System.setProperty("java.net.preferIPv4Stack", "true");
        Path dir = Path.of(a[0], "hck");
        int n = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", 0), 128);
            loop(server, n); // warm-up
            try (Stamps s = install(dir)) {
                int stats = Bpf.enableRunTimeStats();
                Bpf.ProgInfo before = Stamps.program(dir);
                loop(server, n);
                Bpf.ProgInfo after = Stamps.program(dir);
                Bpf.close(stats);
                long runs = after.runCount() - before.runCount(), ns = after.runTimeNs() - before.runTimeNs();
                System.out.printf("program runs: %d for %d connections (%.1f state changes each)%n", runs, n, runs / (double) n);
                System.out.printf("cost per state change: %.0f ns (run_time_ns %d / run_cnt %d)%n", ns / (double) runs, ns, runs);
            }
            Stamps.remove(dir);
            List<Long> with = new ArrayList<>(), without = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                try (Stamps s = install(dir)) {
                    with.add(loop(server, n));
                }
                Stamps.remove(dir);
                Thread.sleep(200); // the kernel frees the detached program after an RCU grace period
                without.add(loop(server, n));
            }
            long mw = median(with), mo = median(without);
            System.out.printf("connect+close loop, %d connections, median of %d: %.1f ms with stamps, %.1f ms without (%+.1f %%)%n",
                    n, rounds, mw / 1e6, mo / 1e6, 100.0 * (mw - mo) / mo);
            System.out.println("with: " + with + " ns; without: " + without + " ns");
        }
    }

    static Stamps install(Path dir) {
        Stamps s = Stamps.open(dir, false, KernelInfo.currentRelease());
        if (s.mapFd() < 0) throw new IllegalStateException(s.describe());
        return s;
    }

    /** N connections opened and closed, both ends (client first: FIN_WAIT1, FIN_WAIT2, TIME_WAIT; server CLOSE_WAIT, LAST_ACK); wall ns. */
    static long loop(ServerSocket server, int n) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket c = new Socket();
            c.connect(server.getLocalSocketAddress());
            Socket s = server.accept();
            c.close();
            s.close();
        }
        return System.nanoTime() - t0;
    }

    static long median(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}

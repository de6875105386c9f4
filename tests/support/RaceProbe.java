package hck.support;

import hck.sys.KernelInfo;
import hck.act.Result;
import hck.act.Terminator;
import hck.model.Sock;
import hck.model.TcpState;
import hck.report.Logs;
import hck.rules.Rules;
import hck.scan.SsParser;
import hck.scan.SsSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run by LiveNetnsTest inside its private namespace: makes sockets, takes the snapshot a scan would
 * have taken, lets the world move on (one socket closes, one is replaced by a new connection on
 * the same 4-tuple, one turns out to be in another state), then asks the Terminator to kill the
 * snapshot. Prints one line per socket: "NAME action note", then the state of the survivors.
 */
public final class RaceProbe {
    public static void main(String[] args) throws Exception {
        Logs.configure(ch.qos.logback.classic.Level.INFO, null);
        List<Socket> kept = new ArrayList<>();
        ServerSocket closer = server(9100, true, kept);
        ServerSocket keeper = server(9101, false, kept);
        Socket a = new Socket("127.0.0.1", 9100);
        Socket c = new Socket("127.0.0.1", 9100);
        Socket b = new Socket("127.0.0.1", 9101);
        Thread.sleep(300);

        List<Sock> all = ss();
        Sock sa = find(all, a.getLocalPort(), TcpState.CLOSE_WAIT);
        Sock sc = find(all, c.getLocalPort(), TcpState.CLOSE_WAIT);
        Sock sb = find(all, b.getLocalPort(), TcpState.ESTABLISHED);
        Sock sbStale = Socks.of(TcpState.CLOSE_WAIT, sb.local(), sb.remote(), 1, 0, sb.inode(), sb.cookie(), null,
                9_000L, 9_000L, 9_000L, List.of(), null);

        a.close();
        int cport = c.getLocalPort();
        c.close();
        Thread.sleep(300);
        Socket c2 = new Socket();
        c2.setReuseAddress(true);
        c2.bind(new InetSocketAddress("127.0.0.1", cport));
        c2.connect(new InetSocketAddress("127.0.0.1", 9100));
        Thread.sleep(300);

        Terminator t = new Terminator(Rules.BUILT_IN.termination(), KernelInfo.probe(true),
                () -> new SsSource("ss").scan().candidates(), org.slf4j.LoggerFactory.getLogger("hck"), ProcessHandle.current().pid());
        Map<Sock, Result> r = t.terminate(List.of(sa, sbStale, sc));
        print("closed", r.get(sa));
        print("other-state", r.get(sbStale));
        print("replaced", r.get(sc));
        List<Sock> after = ss();
        Sock b2 = after.stream().filter(s -> s.local().port() == b.getLocalPort()).findFirst().orElse(null);
        Sock c2s = after.stream().filter(s -> s.local().port() == cport).findFirst().orElse(null);
        System.out.println("b " + (b2 == null ? "gone" : b2.state() + " " + b2.cookie().equals(sb.cookie())));
        System.out.println("c2 " + (c2s == null ? "gone" : c2s.state() + " " + !c2s.cookie().equals(sc.cookie())));
        System.out.flush();
        closer.close();
        keeper.close();
    }

    private static void print(String name, Result r) {
        System.out.println(name + " " + r.action().json + " " + r.note());
        System.out.println(name + "-left " + (r.left() == null ? null : r.left().json));
        System.out.println(name + "-kernel " + r.destroyResult());
    }

    private static Sock find(List<Sock> all, int localPort, TcpState state) {
        return all.stream().filter(s -> s.local().port() == localPort && s.state() == state).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + state + " on port " + localPort));
    }

    private static List<Sock> ss() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-tanoeiH").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Sock> out = new ArrayList<>();
        SsParser parser = new SsParser(out::add);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) parser.line(line);
        }
        parser.finish();
        p.waitFor();
        return out;
    }

    private static ServerSocket server(int port, boolean close, List<Socket> kept) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress("::", port));
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Socket s = ss.accept();
                    if (close) s.close(); else kept.add(s);
                }
            } catch (IOException e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }
}

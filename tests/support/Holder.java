package hck.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that tests start (inside their own network namespace) to hold sockets in chosen
 * states under a chosen process name. Arguments, in order:
 * <ul>
 *   <li>{@code ipv4} (first) — plain AF_INET sockets instead of Java's dual-stack AF_INET6 ones,
 *       and {@code listen} on 0.0.0.0;</li>
 *   <li>{@code name=NAME} — becomes /proc/PID/comm (what hck reports as the process name);</li>
 *   <li>{@code listen:PORT:close|keep} — listen on [::]:PORT (dual-stack); {@code close} closes every
 *       accepted connection at once (the peer goes CLOSE_WAIT, this side an orphan FIN_WAIT2),
 *       {@code keep} keeps it (ESTABLISHED);</li>
 *   <li>{@code connect:HOST:PORT:N} — opens N connections and keeps them;</li>
 *   <li>{@code timewait:HOST:PORT:N} — opens N connections to a {@code close} listener and closes
 *       each after the peer's FIN, leaving the listener's side in TIME_WAIT;</li>
 *   <li>{@code listen:PORT:echo} and {@code echo:HOST:PORT:N} — an echo server, and N kept
 *       connections to it that the test can ping;</li>
 *   <li>{@code ignore-term} — survive SIGTERM (only SIGKILL ends it);</li>
 *   <li>{@code udp-sink:PORT} — a UDP socket on 127.0.0.1:PORT that never reads;</li>
 *   <li>{@code udp-pair:PORT:N:SIZE} — a UDP socket connected to 127.0.0.1:PORT (ephemeral local
 *       port) that never reads, and a socket on PORT that sends it N datagrams of SIZE bytes;</li>
 *   <li>{@code udp-send:PORT:N:SIZE} — send N datagrams of SIZE bytes to 127.0.0.1:PORT (also as a
 *       line on stdin, answered with {@code sent}).</li>
 *   <li>on stdin only: {@code connect:HOST:PORT:N} — N more kept connections, answered with
 *       {@code connected TOTAL}.</li>
 * </ul>
 * Prints {@code ready} when everything is in place, then answers {@code ping} lines on stdin with
 * {@code pong OK/N} (how many echo connections still carry data), until stdin closes.
 */
public final class Holder {
    public static void main(String[] args) throws Exception {
        // read when the first socket is made, so it must be set before that
        boolean ipv4 = args.length > 0 && args[0].equals("ipv4");
        if (ipv4) System.setProperty("java.net.preferIPv4Stack", "true");
        List<Object> keep = new ArrayList<>();
        List<Socket> echo = new ArrayList<>();
        for (String a : args) {
            String[] f = a.split(":");
            if (a.equals("ipv4")) {
                continue;
            } else if (a.startsWith("name=")) {
                Files.writeString(Path.of("/proc/self/comm"), a.substring(5));
            } else if (f[0].equals("listen")) {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(ipv4 ? "0.0.0.0" : "::", Integer.parseInt(f[1])), 1024);
                String mode = f[2];
                keep.add(ss);
                Thread t = new Thread(() -> accept(ss, mode, keep));
                t.setDaemon(true);
                t.start();
            } else if (f[0].equals("udp-sink")) {
                java.net.DatagramSocket d = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", Integer.parseInt(f[1])));
                keep.add(d);
            } else if (f[0].equals("udp-pair")) {
                java.net.DatagramSocket peer = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", Integer.parseInt(f[1])));
                java.net.DatagramSocket deaf = new java.net.DatagramSocket();
                deaf.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(f[1])));
                byte[] data = new byte[Integer.parseInt(f[3])];
                for (int i = 0; i < Integer.parseInt(f[2]); i++) {
                    peer.send(new java.net.DatagramPacket(data, data.length, new InetSocketAddress("127.0.0.1", deaf.getLocalPort())));
                }
                keep.add(peer);
                keep.add(deaf);
            } else if (f[0].equals("udp-send")) {
                udpSend(a);
            } else if (a.equals("ignore-term")) {
                sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> { });
            } else if (f[0].equals("connect") || f[0].equals("timewait") || f[0].equals("echo")) {
                String host = unbracket(String.join(":", java.util.Arrays.copyOfRange(f, 1, f.length - 2)));
                int port = Integer.parseInt(f[f.length - 2]);
                int n = Integer.parseInt(f[f.length - 1]);
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket(host, port);
                    if (f[0].equals("timewait")) {
                        InputStream in = s.getInputStream();
                        while (in.read() >= 0) { /* until the peer's FIN */ }
                        s.close();
                    } else {
                        keep.add(s);
                        if (f[0].equals("echo")) echo.add(s);
                    }
                }
            } else {
                throw new IllegalArgumentException("unknown holder action " + a);
            }
        }
        Thread.sleep(300); // let FINs and ACKs settle before the test looks
        System.out.println("ready");
        System.out.flush();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("ping")) System.out.println("pong " + ping(echo) + "/" + echo.size());
            if (line.startsWith("udp-send:")) {
                udpSend(line);
                System.out.println("sent");
            }
            if (line.startsWith("connect:")) { // N more kept connections: a leak at the pace the test sets
                String[] f = line.split(":");
                for (int i = 0; i < Integer.parseInt(f[3]); i++) keep.add(new Socket(f[1], Integer.parseInt(f[2])));
                System.out.println("connected " + keep.size());
            }
            System.out.flush();
        }
    }

    private static void udpSend(String spec) throws IOException {
        String[] f = spec.split(":");
        try (java.net.DatagramSocket d = new java.net.DatagramSocket()) {
            byte[] data = new byte[Integer.parseInt(f[3])];
            for (int i = 0; i < Integer.parseInt(f[2]); i++) {
                d.send(new java.net.DatagramPacket(data, data.length, new InetSocketAddress("127.0.0.1", Integer.parseInt(f[1]))));
            }
        }
    }

    private static int ping(List<Socket> sockets) {
        int ok = 0;
        for (Socket s : sockets) {
            try {
                s.setSoTimeout(2000);
                s.getOutputStream().write('x');
                if (s.getInputStream().read() == 'x') ok++;
            } catch (IOException e) {
                // this connection no longer carries data
            }
        }
        return ok;
    }

    private static String unbracket(String h) {
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    private static void echo(Socket s) {
        try (s) {
            for (int b; (b = s.getInputStream().read()) >= 0; ) s.getOutputStream().write(b);
        } catch (IOException e) {
            // peer gone
        }
    }

    private static void accept(ServerSocket ss, String mode, List<Object> keep) {
        boolean close = mode.equals("close"), echoing = mode.equals("echo");
        try {
            while (true) {
                Socket s = ss.accept();
                if (close) {
                    s.close();
                } else if (echoing) {
                    Thread t = new Thread(() -> echo(s));
                    t.setDaemon(true);
                    t.start();
                } else {
                    synchronized (keep) { keep.add(s); }
                }
            }
        } catch (IOException e) {
            // closed at exit
        }
    }
}

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
 *   <li>{@code name=NAME} — becomes /proc/PID/comm (what hck reports as the process name);</li>
 *   <li>{@code listen:PORT:close|keep} — listen on [::]:PORT (dual-stack); {@code close} closes every
 *       accepted connection at once (the peer goes CLOSE_WAIT, this side an orphan FIN_WAIT2),
 *       {@code keep} keeps it (ESTABLISHED);</li>
 *   <li>{@code connect:HOST:PORT:N} — opens N connections and keeps them;</li>
 *   <li>{@code timewait:HOST:PORT:N} — opens N connections to a {@code close} listener and closes
 *       each after the peer's FIN, leaving the listener's side in TIME_WAIT.</li>
 * </ul>
 * Prints {@code ready} when everything is in place, then holds until stdin closes.
 */
public final class Holder {
    public static void main(String[] args) throws Exception {
        List<Object> keep = new ArrayList<>();
        for (String a : args) {
            String[] f = a.split(":");
            if (a.startsWith("name=")) {
                Files.writeString(Path.of("/proc/self/comm"), a.substring(5));
            } else if (f[0].equals("listen")) {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress("::", Integer.parseInt(f[1])), 1024);
                boolean close = f[2].equals("close");
                keep.add(ss);
                Thread t = new Thread(() -> accept(ss, close, keep));
                t.setDaemon(true);
                t.start();
            } else if (f[0].equals("connect") || f[0].equals("timewait")) {
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
                    }
                }
            } else {
                throw new IllegalArgumentException("unknown holder action " + a);
            }
        }
        Thread.sleep(300); // let FINs and ACKs settle before the test looks
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) { /* hold until stdin closes */ }
    }

    private static String unbracket(String h) {
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    private static void accept(ServerSocket ss, boolean close, List<Object> keep) {
        try {
            while (true) {
                Socket s = ss.accept();
                if (close) s.close(); else synchronized (keep) { keep.add(s); }
            }
        } catch (IOException e) {
            // closed at exit
        }
    }
}

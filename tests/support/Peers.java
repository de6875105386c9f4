package hck.support;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Both ends of loopback connections in one process, driven line by line on stdin, so that a test
 * makes every closing state for real and records when each began by its own clock. Commands
 * (answer {@code ok EPOCH_MS [more]} right after the call returned, or {@code err …}):
 * <ul>
 *   <li>{@code pair NAME PORT} — listen on 127.0.0.1:PORT, connect, accept: NAME.c and NAME.s
 *       (answers the client's local port);</li>
 *   <li>{@code narrow NAME PORT} — the same with small receive buffers (4 KiB, the window a peer
 *       that stops reading closes at once) and large send buffers (1 MiB, so that a write queues
 *       instead of blocking);</li>
 *   <li>{@code close END}, {@code shutout END} — close(), shutdown(SHUT_WR);</li>
 *   <li>{@code send END N} — write N bytes;</li>
 *   <li>{@code readeof END} — read to the end of the stream (consumes the peer's FIN);</li>
 *   <li>{@code drain END} — a thread that reads END until EOF;</li>
 *   <li>{@code trickle END MS} — a thread that writes a byte to END every MS milliseconds.</li>
 * </ul>
 * The first argument, if any, becomes the process name (/proc/self/comm).
 */
public final class Peers {
    public static void main(String[] args) throws Exception {
        System.setProperty("java.net.preferIPv4Stack", "true"); // plain AF_INET: addresses as 127.0.0.1
        if (args.length > 0) Files.writeString(Path.of("/proc/self/comm"), args[0]);
        Map<String, Socket> ends = new HashMap<>();
        Map<String, ServerSocket> listeners = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("ready");
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split("\\s+");
            String more = "";
            try {
                switch (f[0]) {
                    case "pair", "narrow" -> {
                        int port = Integer.parseInt(f[2]);
                        boolean narrow = f[0].equals("narrow");
                        ServerSocket ss = listeners.get(f[2]);
                        if (ss == null) {
                            ss = new ServerSocket();
                            ss.setReuseAddress(true);
                            if (narrow) ss.setReceiveBufferSize(4096);
                            ss.bind(new InetSocketAddress("127.0.0.1", port), 64);
                            listeners.put(f[2], ss);
                        }
                        Socket c = new Socket();
                        if (narrow) {
                            c.setReceiveBufferSize(4096);
                            c.setSendBufferSize(1 << 20);
                        }
                        c.connect(new InetSocketAddress("127.0.0.1", port));
                        Socket s = ss.accept();
                        if (narrow) s.setSendBufferSize(1 << 20);
                        ends.put(f[1] + ".c", c);
                        ends.put(f[1] + ".s", s);
                        more = " " + c.getLocalPort();
                    }
                    case "close" -> ends.get(f[1]).close();
                    case "send" -> {
                        ends.get(f[1]).getOutputStream().write(new byte[Integer.parseInt(f[2])]);
                        ends.get(f[1]).getOutputStream().flush();
                    }
                    case "shutout" -> ends.get(f[1]).shutdownOutput();
                    case "readeof" -> {
                        InputStream r = ends.get(f[1]).getInputStream();
                        while (r.read() >= 0) { }
                    }
                    case "drain" -> daemon(() -> {
                        InputStream r = ends.get(f[1]).getInputStream();
                        while (r.read() >= 0) { }
                    });
                    case "trickle" -> {
                        long every = Long.parseLong(f[2]);
                        OutputStream w = ends.get(f[1]).getOutputStream();
                        daemon(() -> {
                            while (true) {
                                w.write('x');
                                w.flush();
                                Thread.sleep(every);
                            }
                        });
                    }
                    default -> throw new IllegalArgumentException("unknown command " + f[0]);
                }
                System.out.println("ok " + System.currentTimeMillis() + more);
            } catch (Exception e) {
                System.out.println("err " + e);
            }
            System.out.flush();
        }
    }

    interface Work {
        void run() throws Exception;
    }

    static void daemon(Work w) {
        Thread t = new Thread(() -> {
            try {
                w.run();
            } catch (Exception e) {
                // the socket was closed: the thread's work is over
            }
        });
        t.setDaemon(true);
        t.start();
    }
}

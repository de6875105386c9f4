package hck.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/** A real HTTP server a test runs on 127.0.0.1 (webhook receivers, a jar or a script to download), on daemon threads. */
public final class LocalHttp {
    private LocalHttp() {}

    public static HttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }

    public static String url(HttpServer server, String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Serves the files under {@code root} by their relative path; 404 for anything else. */
    public static void serveTree(HttpServer server, Path root) {
        server.createContext("/", ex -> {
            Path f = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            if (!f.startsWith(root) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] b = Files.readAllBytes(f);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
    }
}

package hck.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hck.io.AtomicFile;
import hck.model.TcpSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * First sightings of sockets whose age the kernel does not tell (no tcp_info, no timewait timer),
 * keyed by {@link TcpSocket#key()}. Entries of sockets no longer seen are pruned on save. A corrupt
 * or foreign file is a warning and is rebuilt, never a crash.
 */
public final class FirstSeenStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Consumer<String> warn;
    private final Map<String, Long> previous = new HashMap<>();
    private final Map<String, Long> current = new HashMap<>();
    private boolean existed;

    public FirstSeenStore(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
        load();
    }

    public Path file() {
        return file;
    }

    private void load() {
        try {
            byte[] bytes = Files.readAllBytes(file);
            existed = true;
            JsonNode root = JSON.readTree(bytes);
            JsonNode seen = root == null ? null : root.get("first_seen");
            if (root == null || !"hck".equals(root.path("tool").asText()) || seen == null || !seen.isObject()) {
                warn.accept("state file " + file + " is not an hck state file: rebuilding it");
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = seen.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().canConvertToLong()) previous.put(e.getKey(), e.getValue().asLong());
            }
        } catch (NoSuchFileException e) {
            // first run
        } catch (IOException e) {
            warn.accept("state file " + file + " is unreadable or corrupt (" + oneLine(e) + "): rebuilding it");
        }
    }

    /** Stamps the sockets that need it, and saves the file only when some did (or it existed). */
    public static List<TcpSocket> apply(Path file, List<TcpSocket> sockets, long nowMs, Consumer<String> warn) {
        if (sockets.stream().noneMatch(FirstSeenStore::needs)) return sockets;
        FirstSeenStore store = new FirstSeenStore(file, warn);
        List<TcpSocket> out = store.stamp(sockets, nowMs);
        store.save();
        return out;
    }

    /** Sockets whose age neither tcp_info nor a timewait timer tells. */
    public static boolean needs(TcpSocket s) {
        return !s.hasTcpInfo() && (s.timer() == null || !s.timer().timewait());
    }

    /** Returns the sockets with {@code firstSeenMs} set: the recorded sighting, or {@code nowMs} for new ones. */
    public List<TcpSocket> stamp(List<TcpSocket> sockets, long nowMs) {
        List<TcpSocket> out = new ArrayList<>(sockets.size());
        for (TcpSocket s : sockets) {
            if (!needs(s)) {
                out.add(s);
                continue;
            }
            String key = s.key();
            long first = current.computeIfAbsent(key, k -> Math.min(previous.getOrDefault(k, nowMs), nowMs));
            out.add(s.withFirstSeen(first));
        }
        return out;
    }

    /** Writes this run's sightings atomically (temp file + rename), readable by root only. */
    public void save() {
        if (current.isEmpty() && !existed) return;
        try {
            AtomicFile.createPrivateDirectories(file.toAbsolutePath().getParent());
            ObjectNode root = JSON.createObjectNode();
            root.put("tool", "hck").put("version", 1);
            ObjectNode seen = root.putObject("first_seen");
            current.forEach(seen::put);
            AtomicFile.write(file, true, out -> out.write(JSON.writeValueAsBytes(root)));
        } catch (IOException | UnsupportedOperationException e) {
            warn.accept("could not write state file " + file + " (" + oneLine(e) + "): first-seen ages will restart at 0");
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

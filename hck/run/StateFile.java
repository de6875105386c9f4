package hck.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hck.io.AtomicFile;
import hck.io.SafeFiles;
import hck.model.TcpSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What hck keeps between runs, in one JSON file (root-only, written atomically): first sightings
 * of sockets whose age the kernel does not tell (no tcp_info, no timewait timer), keyed by
 * {@link TcpSocket#key()} and pruned of sockets no longer seen; the terminated/failed counters
 * behind the Prometheus *_total metrics; the time of the last successful run; and the last check
 * status, so that check mode notifies on a change only. A corrupt or foreign file is a warning and
 * is rebuilt, never a crash.
 */
public final class StateFile {
    /** Made on first use: jackson-databind's start is 0.1 s, and most runs never read the file. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    /** 190k first sightings take about 12 MB: anything far larger is not a state file hck wrote. */
    static final long MAX_BYTES = 256L << 20;
    private final Path file;
    private final Consumer<String> warn;
    private final Map<String, Long> previous = new HashMap<>();
    private final Map<String, Long> current = new HashMap<>();
    private final Map<String, Long> prevQueue = new HashMap<>(), curQueue = new HashMap<>();
    private final Map<String, Long> prevDrops = new HashMap<>(), curDrops = new HashMap<>();
    /** Per process (PID@start time): [epoch ms, hung sockets] samples of earlier runs, and of this one. */
    private final Map<String, List<long[]>> prevHistory = new HashMap<>(), curHistory = new HashMap<>();
    private boolean udpTracked, historyTracked;
    private boolean existed, dirty;
    private long terminatedTotal, failedTotal;
    private Double lastSuccess;
    private String lastCheck;

    public StateFile(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
        load();
    }

    public Path file() {
        return file;
    }

    private void load() {
        try {
            byte[] bytes = SafeFiles.readRegular("state file", file, MAX_BYTES);
            existed = true;
            JsonNode root = Json.MAPPER.readTree(bytes);
            JsonNode seen = root == null ? null : root.get("first_seen");
            if (root == null || !"hck".equals(root.path("tool").asText()) || seen == null || !seen.isObject()) {
                warn.accept("state file " + file + " is not an hck state file: rebuilding it");
                return;
            }
            readLongs(seen, previous);
            readLongs(root.path("udp_queue_since"), prevQueue);
            readLongs(root.path("udp_drops"), prevDrops);
            root.path("process_history").properties().forEach(e -> {
                List<long[]> samples = new ArrayList<>();
                for (JsonNode p : e.getValue()) if (p.size() == 2) samples.add(new long[] {p.get(0).asLong(), p.get(1).asLong()});
                prevHistory.put(e.getKey(), samples);
            });
            terminatedTotal = Math.max(0, root.path("counters").path("terminated_total").asLong(0));
            failedTotal = Math.max(0, root.path("counters").path("failed_total").asLong(0));
            if (root.path("last_success").isNumber()) lastSuccess = root.get("last_success").asDouble();
            if (root.path("last_check").isTextual()) lastCheck = root.get("last_check").asText();
        } catch (NoSuchFileException e) {
            // first run
        } catch (IOException e) {
            warn.accept("state file " + file + " is unreadable or corrupt (" + oneLine(e) + "): rebuilding it");
        }
    }

    private static void readLongs(JsonNode obj, Map<String, Long> into) {
        if (obj.isObject()) obj.properties().forEach(e -> { if (e.getValue().canConvertToLong()) into.put(e.getKey(), e.getValue().asLong()); });
    }

    /**
     * UDP sockets: {@code firstSeenMs} becomes when the receive queue was first seen at
     * {@code minQueue} bytes or more (forgotten as soon as it drops below), and the drop counter
     * of the last run is attached, so that growth shows.
     */
    public List<TcpSocket> stampUdp(List<TcpSocket> udp, long nowMs, long minQueue) {
        udpTracked = true;
        dirty = true;
        List<TcpSocket> out = new ArrayList<>(udp.size());
        for (TcpSocket s : udp) {
            String key = s.key();
            TcpSocket t = s.withUdp(s.udp().withDropsBefore(prevDrops.get(key)));
            curDrops.put(key, s.udp().drops());
            if (s.recvQ() >= minQueue) {
                long since = Math.min(prevQueue.getOrDefault(key, nowMs), nowMs);
                curQueue.put(key, since);
                t = t.withFirstSeen(since);
            }
            out.add(t);
        }
        return out;
    }

    /**
     * Adds this run's sample for a process and returns its samples since {@code sinceMs}, oldest
     * first, this one last. Processes not sampled in a run are forgotten when it saves.
     */
    public List<long[]> sample(String process, long nowMs, long hung, long sinceMs) {
        historyTracked = true;
        dirty = true;
        List<long[]> kept = new ArrayList<>();
        for (long[] p : prevHistory.getOrDefault(process, List.of())) if (p[0] >= sinceMs && p[0] < nowMs) kept.add(p);
        kept.add(new long[] {nowMs, hung});
        curHistory.put(process, kept);
        return kept;
    }

    /** Sockets whose age neither tcp_info nor a timewait timer tells. */
    public static boolean needs(TcpSocket s) {
        if (s.udp() != null) return false;
        // an unacknowledged FIN has no tcp_info time for its state: the first sighting is one lower bound
        if (s.hasTcpInfo()) return s.finUnacked();
        return s.timer() == null || !s.timer().timewait();
    }

    /** Returns the sockets with {@code firstSeenMs} set: the recorded sighting, or {@code nowMs} for new ones. */
    public List<TcpSocket> stamp(List<TcpSocket> sockets, long nowMs) {
        List<TcpSocket> out = new ArrayList<>(sockets.size());
        for (TcpSocket s : sockets) {
            if (!needs(s)) {
                out.add(s);
                continue;
            }
            // a cookie names the socket, not its state: a first sighting holds for the state it was seen in
            String key = s.cookie() != null ? s.key() + " " + s.state() : s.key();
            long first = current.computeIfAbsent(key, k -> Math.min(previous.getOrDefault(k, nowMs), nowMs));
            out.add(s.withFirstSeen(first));
        }
        dirty |= !current.isEmpty() || !previous.isEmpty();
        return out;
    }

    public long terminatedTotal() {
        return terminatedTotal;
    }

    public long failedTotal() {
        return failedTotal;
    }

    public void count(long terminated, long failed) {
        terminatedTotal += terminated;
        failedTotal += failed;
        dirty |= terminated > 0 || failed > 0;
    }

    public Double lastSuccess() {
        return lastSuccess;
    }

    public void succeeded(double epochSeconds) {
        lastSuccess = epochSeconds;
        dirty = true;
    }

    /** The previous check status, or null on the first check. */
    public String lastCheck() {
        return lastCheck;
    }

    public void checked(String status) {
        lastCheck = status;
        dirty = true;
    }

    /** Writes atomically (temp file + rename), readable by root only; nothing when there is nothing to keep. @return false when it could not */
    public boolean save() {
        if (!dirty && !existed) return true;
        try {
            AtomicFile.createPrivateDirectories(file.toAbsolutePath().getParent());
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("tool", "hck").put("version", 1);
            ObjectNode seen = root.putObject("first_seen");
            current.forEach(seen::put);
            ObjectNode q = root.putObject("udp_queue_since"), d = root.putObject("udp_drops");
            (udpTracked ? curQueue : prevQueue).forEach(q::put);
            (udpTracked ? curDrops : prevDrops).forEach(d::put);
            ObjectNode h = root.putObject("process_history");
            (historyTracked ? curHistory : prevHistory).forEach((k, samples) -> {
                var arr = h.putArray(k);
                for (long[] p : samples) arr.addArray().add(p[0]).add(p[1]);
            });
            root.putObject("counters").put("terminated_total", terminatedTotal).put("failed_total", failedTotal);
            if (lastSuccess != null) root.put("last_success", lastSuccess);
            if (lastCheck != null) root.put("last_check", lastCheck);
            AtomicFile.write(file, true, out -> out.write(Json.MAPPER.writeValueAsBytes(root)));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            warn.accept("could not write state file " + file + " (" + oneLine(e) + "): first-seen ages and counters will restart");
            return false;
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}

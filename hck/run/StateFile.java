package hck.run;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import hck.io.AtomicFile;
import hck.io.SafeFiles;
import hck.model.Sock;

import java.io.IOException;
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
 * {@link Sock#key()} and pruned of sockets no longer seen; the terminated/failed counters
 * behind the Prometheus *_total metrics; the time of the last successful run; and the last check
 * status, so that check mode notifies on a change only. A corrupt or foreign file is a warning and
 * is rebuilt, never a crash.
 */
public final class StateFile {
    private static final JsonFactory JSON = new JsonFactory();
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
            if (!read(bytes)) warn.accept("state file " + file + " is not an hck state file: rebuilding it");
        } catch (NoSuchFileException e) {
            // first run
        } catch (IOException e) {
            warn.accept("state file " + file + " is unreadable or corrupt (" + oneLine(e) + "): rebuilding it");
        }
    }

    /**
     * Streams the document (jackson-core alone: databind's start was a tenth of a second of every
     * run that keeps a record). Nothing is kept unless it is hck's, with its first_seen mapping.
     */
    private boolean read(byte[] bytes) throws IOException {
        Map<String, Long> seen = new HashMap<>(), queue = new HashMap<>(), drops = new HashMap<>();
        Map<String, List<long[]>> history = new HashMap<>();
        String tool = null;
        boolean hasSeen = false;
        long terminated = 0, failed = 0;
        Double success = null;
        String check = null;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "tool" -> tool = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "first_seen" -> hasSeen = longs(p, seen);
                    case "udp_queue_since" -> longs(p, queue);
                    case "udp_drops" -> longs(p, drops);
                    case "process_history" -> samples(p, history);
                    case "counters" -> {
                        Map<String, Long> c = new HashMap<>();
                        longs(p, c);
                        terminated = Math.max(0, c.getOrDefault("terminated_total", 0L));
                        failed = Math.max(0, c.getOrDefault("failed_total", 0L));
                    }
                    case "last_success" -> success = t.isNumeric() ? p.getDoubleValue() : null;
                    case "last_check" -> check = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
        }
        if (!"hck".equals(tool) || !hasSeen) return false;
        previous.putAll(seen);
        prevQueue.putAll(queue);
        prevDrops.putAll(drops);
        prevHistory.putAll(history);
        terminatedTotal = terminated;
        failedTotal = failed;
        lastSuccess = success;
        lastCheck = check;
        return true;
    }

    /** An object of whole numbers (others skipped); false when the value is not an object. */
    private static boolean longs(JsonParser p, Map<String, Long> into) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) into.put(key, p.getLongValue()); else p.skipChildren();
        }
        return true;
    }

    /** {"PID@start": [[epoch ms, hung], …], …} */
    private static void samples(JsonParser p, Map<String, List<long[]>> into) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            List<long[]> list = new ArrayList<>();
            if (p.nextToken() == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    long[] pair = new long[2];
                    int n = 0;
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        if (t == JsonToken.VALUE_NUMBER_INT && n < 2) pair[n] = p.getLongValue(); else p.skipChildren();
                        n++;
                    }
                    if (n == 2) list.add(pair);
                }
            } else {
                p.skipChildren();
            }
            into.put(key, list);
        }
    }

    /**
     * UDP sockets: {@code firstSeenMs} becomes when the receive queue was first seen at
     * {@code minQueue} bytes or more (forgotten as soon as it drops below), and the drop counter
     * of the last run is attached, so that growth shows.
     */
    public List<Sock> stampUdp(List<Sock> udp, long nowMs, long minQueue) {
        udpTracked = true;
        dirty = true;
        List<Sock> out = new ArrayList<>(udp.size());
        for (Sock s : udp) {
            String key = s.key();
            Sock t = s.withUdp(s.udp().withDropsBefore(prevDrops.get(key)));
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
    public static boolean needs(Sock s) {
        if (s.udp() != null) return false;
        // an unacknowledged FIN has no tcp_info time for its state: the first sighting is one lower bound
        if (s.hasTcpInfo()) return s.finUnacked();
        return s.timer() == null || !s.timer().timewait();
    }

    /** Returns the sockets with {@code firstSeenMs} set: the recorded sighting, or {@code nowMs} for new ones. */
    public List<Sock> stamp(List<Sock> sockets, long nowMs) {
        List<Sock> out = new ArrayList<>(sockets.size());
        for (Sock s : sockets) {
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
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (JsonGenerator g = JSON.createGenerator(bytes)) {
                g.writeStartObject();
                g.writeStringField("tool", "hck");
                g.writeNumberField("version", 1);
                g.writeObjectFieldStart("first_seen");
                for (var e : current.entrySet()) g.writeNumberField(e.getKey(), e.getValue());
                g.writeEndObject();
                g.writeObjectFieldStart("udp_queue_since");
                for (var e : (udpTracked ? curQueue : prevQueue).entrySet()) g.writeNumberField(e.getKey(), e.getValue());
                g.writeEndObject();
                g.writeObjectFieldStart("udp_drops");
                for (var e : (udpTracked ? curDrops : prevDrops).entrySet()) g.writeNumberField(e.getKey(), e.getValue());
                g.writeEndObject();
                g.writeObjectFieldStart("process_history");
                for (var e : (historyTracked ? curHistory : prevHistory).entrySet()) {
                    g.writeArrayFieldStart(e.getKey());
                    for (long[] p : e.getValue()) g.writeArray(p, 0, 2);
                    g.writeEndArray();
                }
                g.writeEndObject();
                g.writeObjectFieldStart("counters");
                g.writeNumberField("terminated_total", terminatedTotal);
                g.writeNumberField("failed_total", failedTotal);
                g.writeEndObject();
                if (lastSuccess != null) g.writeNumberField("last_success", lastSuccess);
                if (lastCheck != null) g.writeStringField("last_check", lastCheck);
                g.writeEndObject();
            }
            AtomicFile.write(file, true, out -> out.write(bytes.toByteArray()));
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

package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.BpfFs;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * hck's stamps on the real kernel: the program it loads, pinned in a bpffs of the test's own
 * (mounted at a temporary directory, removed after), sockets made in a private namespace with the
 * test's clock around each state change, hck run as a user runs it (a fresh JVM, inside the
 * namespace), and the program counted in the kernel before, during and after.
 */
class StampsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROGRAM = "hck_stamp";
    @TempDir
    Path tmp;

    Netns ns;
    Netns.Held peers;
    final Map<String, Integer> clientPort = new HashMap<>();

    /** Sends a command to the peers; returns {before, after}: the state change it makes happened between them. */
    long[] cmd(String line) throws Exception {
        long before = System.currentTimeMillis();
        String a = peers.command(line);
        assertNotNull(a, line);
        assertTrue(a.startsWith("ok "), line + " -> " + a);
        String[] f = a.split(" ");
        if (f.length > 2) clientPort.put(line.split(" ")[1], Integer.parseInt(f[2]));
        return new long[] {before, Long.parseLong(f[1])};
    }

    String rules(BpfFs fs, String more) throws Exception {
        Path r = Files.createTempFile(tmp, "rules", ".yaml");
        Files.writeString(r, (fs == null ? "" : "stamps_pin: " + fs.dir.resolve("hck") + "\n") + more);
        return r.toString();
    }

    /** hck inside the namespace; its JSON, with the test's clock before and after it as "t0" and "t1". */
    JsonNode hck(String rules, String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--rules", rules, "--json", out.toString(), "--lock-file", tmp.resolve("lock").toString(), "--exclude-ports", ""));
        long t0 = System.currentTimeMillis();
        Netns.Result r = ns.hck(all.toArray(String[]::new));
        long t1 = System.currentTimeMillis();
        assertEquals(0, r.rc(), r.stderr());
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(out.toFile());
        doc.put("t0", t0).put("t1", t1).put("log", r.stderr());
        return doc;
    }

    void nft(String... drops) throws Exception {
        Path f = Files.createTempFile(tmp, "rules", ".nft");
        Files.writeString(f, "flush ruleset\ntable inet hck {\n chain out {\n  type filter hook output priority 0; policy accept;\n"
                + String.join("", java.util.Arrays.stream(drops).map(d -> "  " + d + "\n").toList()) + " }\n}\n");
        Netns.Result r = ns.run("nft", "-f", f.toString());
        assertEquals(0, r.rc(), r.stderr());
    }

    /**
     * A simultaneous close: both FINs held back while both ends close, then FINs let through but no
     * pure ACK: the first end to get the other's FIN enters CLOSING, between the last poll that did
     * not see it and the first that did (returned as {before, after}); then everything dropped again.
     */
    long[] closing(String name, int port) throws Exception {
        Env.requireCommand("nft");
        cmd("pair " + name + " " + port);
        String cp = Integer.toString(clientPort.get(name));
        nft("tcp sport " + port + " tcp dport " + cp + " drop", "tcp sport " + cp + " tcp dport " + port + " drop");
        cmd("close " + name + ".c");
        cmd("close " + name + ".s");
        Thread.sleep(300);
        nft("tcp sport " + port + " tcp dport " + cp + " tcp flags & fin == 0 drop", "tcp sport " + cp + " tcp dport " + port + " tcp flags & fin == 0 drop");
        long prev = System.currentTimeMillis(), seen = 0;
        while (seen == 0 && System.currentTimeMillis() - prev < 20_000) {
            long polled = System.currentTimeMillis();
            if (ns.sockets().stream().anyMatch(x -> x.startsWith("CLOSING"))) seen = System.currentTimeMillis(); else prev = polled;
            if (seen == 0) Thread.sleep(20);
        }
        assertTrue(seen > 0, "a CLOSING socket appeared: " + ns.sockets());
        nft("tcp sport " + port + " tcp dport " + cp + " drop", "tcp sport " + cp + " tcp dport " + port + " drop");
        return new long[] {prev, seen};
    }

    static String ep(int port) {
        return "127.0.0.1:" + port;
    }

    JsonNode conn(JsonNode doc, String state, String local, String remote) {
        for (JsonNode c : doc.get("connections")) {
            if (c.get("state").asText().equals(state) && c.get("local").asText().equals(local) && c.get("remote").asText().equals(remote)) return c;
        }
        return null;
    }

    /**
     * The stamped age of one socket: from its stamp, never above the time since the state change
     * began (by the test's clock, at the end of the run), and within 0.2 s of the time since the
     * change returned, at the start of the run (the dump is in between).
     */
    static void exact(JsonNode doc, JsonNode c, long[] change, String what) {
        assertNotNull(c, what + " is listed:\n" + doc.toPrettyString());
        assertEquals("stamp", c.get("age_source").asText(), what + ": " + c);
        long age = Math.round(c.get("age_s").asDouble() * 1000);
        long atMost = doc.get("t1").asLong() - change[0], atLeast = doc.get("t0").asLong() - change[1];
        assertTrue(age <= atMost + 50, what + ": hck says " + age + " ms, the truth is at most " + atMost + " ms");
        assertTrue(age >= atLeast - 200, what + ": hck says " + age + " ms, the truth is at least " + atLeast + " ms");
    }

    @Test
    void exactAgesForEveryStampedStateOneDryRunFindsTheFinsBehindDataOneLiveRunEndsThem() throws Exception {
        Env.requireRoot();
        List<Integer> before = BpfFs.programs(PROGRAM);
        try (BpfFs fs = BpfFs.mount(); Netns n = Netns.create()) {
            ns = n;
            peers = ns.started(List.of(), "hck.support.Peers", "peers");
            cmd("pair OLD 7100");
            long[] tOld = cmd("close OLD.c"); // OLD.s in CLOSE_WAIT before any stamp existed
            String six = rules(fs, "timeouts: {CLOSE_WAIT: 6, FIN_WAIT1: 6, FIN_WAIT2: 6, CLOSING: 6, LAST_ACK: 6, TIME_WAIT: 6}\n");

            JsonNode first = hck(six, "--dry-run");
            assertEquals("installed", first.get("stamps").get("status").asText(), first.get("log").asText());
            assertTrue(first.get("log").asText().contains("INFO - Stamps installed at " + fs.dir.resolve("hck")), first.get("log").asText());
            List<Integer> loaded = BpfFs.programs(PROGRAM);
            assertEquals(before.size() + 1, loaded.size(), "one program loaded, and still attached after hck exited: " + loaded);
            assertTrue(Files.exists(fs.dir.resolve("hck/link")) && Files.exists(fs.dir.resolve("hck/map")), "pinned");

            cmd("pair CW 7101");
            long[] tCw = cmd("close CW.c");                 // CW.s CLOSE_WAIT; CW.c an orphaned FIN_WAIT2 (a timewait mini-socket)
            cmd("pair F2 7102");
            long[] tF2 = cmd("shutout F2.c");               // F2.c owned FIN_WAIT2, F2.s CLOSE_WAIT
            cmd("narrow F1 7103");
            cmd("send F1.c 300000");
            long[] tF1 = cmd("shutout F1.c");               // F1.c FIN_WAIT1 behind 300 kB F1.s never reads
            cmd("narrow LA 7104");
            cmd("shutout LA.c");
            cmd("send LA.s 300000");
            long[] tLa = cmd("shutout LA.s");               // LA.s LAST_ACK behind 300 kB LA.c never reads
            cmd("pair HS 7105");
            cmd("shutout HS.c");
            cmd("trickle HS.s 200");
            cmd("drain HS.c");                              // a half-close that still sends: never hung
            cmd("pair TW 7106");
            cmd("close TW.c");
            cmd("close TW.s");                              // TW.c TIME_WAIT
            cmd("pair X 7107");                             // ESTABLISHED, the control
            long[] tCl = closing("CL", 7108);               // one end of CL in CLOSING
            Thread.sleep(Math.max(0, tLa[1] + 9_000 - System.currentTimeMillis()));

            JsonNode doc = hck(six, "--dry-run");
            assertEquals("active", doc.get("stamps").get("status").asText());
            exact(doc, conn(doc, "CLOSE_WAIT", ep(7101), ep(clientPort.get("CW"))), tCw, "CW.s CLOSE_WAIT");
            exact(doc, conn(doc, "FIN_WAIT2", ep(clientPort.get("F2")), ep(7102)), tF2, "F2.c FIN_WAIT2");
            exact(doc, conn(doc, "CLOSE_WAIT", ep(7102), ep(clientPort.get("F2"))), tF2, "F2.s CLOSE_WAIT");
            JsonNode f1 = conn(doc, "FIN_WAIT1", ep(clientPort.get("F1")), ep(7103));
            exact(doc, f1, tF1, "F1.c FIN_WAIT1 behind data");
            JsonNode la = conn(doc, "LAST_ACK", ep(7104), ep(clientPort.get("LA")));
            exact(doc, la, tLa, "LA.s LAST_ACK behind data");
            for (JsonNode c : List.of(f1, la)) {
                assertEquals("hung", c.get("verdict").asText(), "hung in the first run past the timeout: " + c);
                assertTrue(c.get("reason").asText().contains("peer stopped reading"), c.toString());
            }
            JsonNode cl = null;
            for (JsonNode c : doc.get("connections")) if (c.get("state").asText().equals("CLOSING")) cl = c;
            exact(doc, cl, tCl, "CL CLOSING");
            JsonNode old = conn(doc, "CLOSE_WAIT", ep(7100), ep(clientPort.get("OLD")));
            assertNotNull(old, "the socket older than the stamps is listed");
            assertNotEquals("stamp", old.get("age_source").asText(), "no stamp before the program existed: " + old);
            assertTrue(Math.round(old.get("age_s").asDouble() * 1000) <= doc.get("t1").asLong() - tOld[0], "its lower bound holds: " + old);
            JsonNode tw = conn(doc, "TIME_WAIT", ep(clientPort.get("TW")), ep(7106));
            assertEquals("timer", tw.get("age_source").asText(), "TIME_WAIT keeps its timer: " + tw);
            for (JsonNode c : doc.get("connections")) {
                String where = c.get("local").asText() + " " + c.get("remote").asText();
                if (where.contains(":7105") || where.contains(":7107")) assertNotEquals("hung", c.get("verdict").asText(), "never hung: " + c);
            }

            JsonNode live = hck(six, "--live");
            assertEquals(0, live.get("summary").get("failed").asInt(), live.toPrettyString());
            java.util.Set<String> left = ns.sockets();
            assertFalse(left.stream().anyMatch(s -> s.startsWith("FIN-WAIT-1") || s.startsWith("LAST-ACK")), "ended by one live run: " + left);
            assertTrue(left.stream().anyMatch(s -> s.startsWith("ESTAB") && s.contains(":7107")), "the control is untouched: " + left);
            assertTrue(left.stream().anyMatch(s -> s.contains(":7105")), "the half-close that still sends is untouched: " + left);

            // the stamps outlive every run; the README's removal command (on the test's own pin) removes them
            assertEquals(loaded, BpfFs.programs(PROGRAM), "the same program, never loaded twice");
            Netns.Result rm = Netns.exec(List.of("rm", "-r", fs.dir.resolve("hck").toString()), 30);
            assertEquals(0, rm.rc(), rm.stderr());
            assertEquals(before, BpfFs.awaitPrograms(PROGRAM, before.size()), "rm -r detached and freed the program");
        } finally {
            assertEquals(before, BpfFs.awaitPrograms(PROGRAM, before.size()), "nothing of the test is left loaded");
        }
    }

    /** The watched sockets of the test's namespace by a netlink dump made in this JVM, asking for the stamps of map fd {@code map}. */
    java.util.Set<String> scanned(int map, List<String> notes) throws Exception {
        return hck.netns.NetnsSwitch.inside(hck.netns.Namespaces.named(ns.name), () -> {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (hck.model.Sock s : new hck.scan.NetlinkSource(() -> { }, map, notes::add).watched()) out.add(s.describe() + " " + s.cookie());
            return out;
        });
    }

    /** Whether something is mounted at {@code point} in the test's (the host's) mount namespace. */
    static boolean mountedAt(String point) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals(point));
    }

    static String stampsLine(JsonNode doc) {
        return doc.get("log").asText().lines().filter(l -> l.contains(" - INFO - Stamps ")).findFirst().orElse("(no Stamps line)\n" + doc.get("log").asText());
    }

    /**
     * Where stamps cannot be, each for its real cause: one INFO line naming it, the run as before
     * (a CLOSE_WAIT still aged by tcp_info), nothing loaded. Then an incomplete pin is replaced, and
     * two runs starting at once install once.
     */
    @Test
    void whereStampsCannotBeTheRunSaysWhyAndInstallsOnce() throws Exception {
        Env.requireRoot();
        Env.requireCommand("setpriv");
        List<Integer> before = BpfFs.programs(PROGRAM);
        boolean hostBpffs = mountedAt("/sys/fs/bpf");
        Path jars = Files.createTempDirectory(Path.of("/tmp"), "hck-cp");
        try (BpfFs fs = BpfFs.mount(); Netns n = Netns.create()) {
            ns = n;
            peers = ns.started(List.of(), "hck.support.Peers", "peers");
            cmd("pair CW 7200");
            cmd("close CW.c");
            Thread.sleep(1_500); // past its timeout: listed
            String cw = ep(7200);
            String threeS = "timeouts: {CLOSE_WAIT: 1}\n";

            // hck's default pin under ip netns exec: a /sys of its own, where no bpffs is, and hck mounts none
            JsonNode netnsExec = hck(rules(null, threeS), "--dry-run");
            assertEquals("unavailable", netnsExec.get("stamps").get("status").asText());
            assertTrue(stampsLine(netnsExec).endsWith("Stamps unavailable (no bpffs holds /sys/fs/bpf in this mount namespace (a private /sys, as ip netns "
                    + "exec mounts: pins there would die with it)): ages are lower bounds"), stampsLine(netnsExec));
            assertEquals("tcp_info", conn(netnsExec, "CLOSE_WAIT", cw, ep(clientPort.get("CW"))).get("age_source").asText());
            assertEquals(hostBpffs, mountedAt("/sys/fs/bpf"), "the host's /sys/fs/bpf as it was");

            // a pin directory on no bpffs
            Path plain = Files.createDirectories(tmp.resolve("plain"));
            JsonNode noFs = hck(rules(null, threeS + "stamps_pin: " + plain.resolve("hck") + "\n"), "--dry-run");
            assertTrue(stampsLine(noFs).endsWith("Stamps unavailable (no bpffs holds " + plain + " in this mount namespace): ages are lower bounds"),
                    stampsLine(noFs));
            assertFalse(Files.exists(plain.resolve("hck")));

            // the rules say off
            JsonNode off = hck(rules(fs, threeS + "stamps: off\n"), "--dry-run");
            assertTrue(stampsLine(off).endsWith("Stamps off (the rules say stamps: off): ages are lower bounds"), stampsLine(off));

            // unprivileged: no CAP_BPF
            String cp = Netns.publicClasspath(jars);
            Path r = Path.of(rules(fs, threeS));
            Files.setPosixFilePermissions(r, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(r, jars.resolve("rules.yaml"));
            Netns.Result nobody = ns.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env", Netns.java().toString(), "-cp", cp,
                    "hck.hck", "--dry-run", "--rules", jars.resolve("rules.yaml").toString(), "--state-file", jars.resolve("s.json").toString());
            assertEquals(0, nobody.rc(), nobody.stderr());
            assertTrue(nobody.stderr().contains(" - INFO - Stamps unavailable (hck runs without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), as uid 65534): "
                    + "ages are lower bounds"), nobody.stderr());
            assertEquals(before, BpfFs.programs(PROGRAM), "nothing loaded by any of them");
            assertEquals(List.of(), List.of(fs.dir.toFile().list()).stream().filter(f -> !f.contains(".")).toList(), "nothing pinned");

            // a dump whose storage request the kernel refuses (an fd that is no map) is made again without it, whole
            java.util.Set<String> plainScan = scanned(-1, new ArrayList<>());
            List<String> notes = new ArrayList<>();
            int notAMap = hck.sys.LibC.c().open("/dev/null", hck.sys.LibC.O_RDONLY);
            try {
                assertEquals(plainScan, scanned(notAMap, notes));
            } finally {
                hck.sys.LibC.c().close(notAMap);
            }
            assertEquals(1, notes.size(), notes.toString());
            assertTrue(notes.get(0).startsWith("the kernel refused to dump the stamps (") && notes.get(0).endsWith("): ages are lower bounds"), notes.get(0));

            // two runs at once: both read stamps, one program
            String pinned = rules(fs, threeS);
            Process a = ns.startHck("--dry-run", "--rules", pinned), b = ns.startHck("--dry-run", "--rules", pinned);
            String outA = new String(a.getInputStream().readAllBytes()), outB = new String(b.getInputStream().readAllBytes());
            assertEquals(0, a.waitFor(), outA);
            assertEquals(0, b.waitFor(), outB);
            for (String out : List.of(outA, outB)) assertTrue(out.contains(" - INFO - Stamps installed at ") || out.contains(" - INFO - Stamps read from "), out);
            List<Integer> one = BpfFs.awaitPrograms(PROGRAM, before.size() + 1);
            assertEquals(before.size() + 1, one.size(), "installed once: " + one + "\n" + outA + outB);
            assertEquals(List.of("hck"), List.of(fs.dir.toFile().list()).stream().filter(f -> !f.contains(".")).toList(), "no half-built pin left");

            // the map unpinned: the link alone stamps nothing hck can read; the next run replaces both
            Files.delete(fs.dir.resolve("hck/map"));
            JsonNode again = hck(pinned, "--dry-run");
            assertEquals("installed", again.get("stamps").get("status").asText(), stampsLine(again));
            List<Integer> replaced = BpfFs.awaitPrograms(PROGRAM, before.size() + 1);
            assertEquals(before.size() + 1, replaced.size(), "the old program detached and freed, the new one loaded: " + replaced);
            assertNotEquals(one, replaced);
        } finally {
            try (var files = Files.walk(jars)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            assertEquals(before, BpfFs.awaitPrograms(PROGRAM, before.size()), "nothing of the test is left loaded");
        }
    }
}

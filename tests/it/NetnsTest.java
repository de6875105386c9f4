package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --netns and --all-netns. A single named namespace is the test's own (Netns); --all-netns runs in
 * a Sandbox — new PID, mount and network namespaces — so that "every namespace on the host" is only
 * ever the test's own ones, and the kernel removes them all when the sandbox ends.
 */
class NetnsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    static List<JsonNode> hung(JsonNode doc) {
        List<JsonNode> out = new ArrayList<>();
        doc.get("connections").forEach(c -> { if (c.get("verdict").asText().equals("hung")) out.add(c); });
        return out;
    }

    @Test
    void oneNamespaceByNameOrPath() throws Exception {
        try (Netns a = Netns.create(); Netns b = Netns.create()) {
            a.holder("name=server", "listen:9000:close");
            Netns.Held leakyA = a.holder("name=leaky-a", "connect:127.0.0.1:9000:2");
            b.holder("name=server", "listen:9000:close");
            Netns.Held leakyB = b.holder("name=leaky-b", "connect:127.0.0.1:9000:1");
            Thread.sleep(2000);
            Path out = tmp.resolve("a.json");
            // hck runs in the test's namespace and looks only into a
            Netns.Result r = Netns.exec(Netns.apartFromHostBpffs(Netns.hckCommand("--dry-run", "--netns", a.name, "--close-wait-timeout", "1",
                    "--json", out.toString(), "--state-file", tmp.resolve("s.json").toString())), 120);
            assertEquals(0, r.rc(), r.stderr());
            JsonNode doc = JSON.readTree(out.toFile());
            assertEquals(2, hung(doc).size(), doc.toPrettyString());
            for (JsonNode c : doc.get("connections")) assertEquals(a.name, c.get("netns").asText());
            hung(doc).forEach(c -> assertEquals(leakyA.pid(), c.get("pid").asLong()));
            assertTrue(r.stderr().contains("(PID: " + leakyA.pid() + ", Process: leaky-a, netns: " + a.name + ")"), r.stderr());

            Path byPath = tmp.resolve("b.json");
            String path = "/proc/" + leakyB.pid() + "/ns/net";
            r = Netns.exec(Netns.apartFromHostBpffs(Netns.hckCommand("--dry-run", "--netns", path, "--close-wait-timeout", "1",
                    "--json", byPath.toString(), "--state-file", tmp.resolve("s.json").toString())), 120);
            assertEquals(0, r.rc(), r.stderr());
            JsonNode docB = JSON.readTree(byPath.toFile());
            assertEquals(1, hung(docB).size());
            assertEquals("pid:" + leakyB.pid(), hung(docB).get(0).get("netns").asText());

            Set<String> bBefore = b.sockets();
            Path live = tmp.resolve("live.json");
            // live, from inside a (the dry runs above prove --netns reads a): a wrong --netns could reach no socket of the machine
            r = a.hck("--live", "--netns", a.name, "--close-wait-timeout", "1", "--json", live.toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(0, r.rc(), r.stderr());
            assertEquals(2, JSON.readTree(live.toFile()).get("summary").get("terminated").asInt());
            assertTrue(a.sockets().stream().noneMatch(s -> s.startsWith("CLOSE-WAIT")), "a's hung sockets are gone");
            assertEquals(bBefore, b.sockets(), "b is untouched");
        }
    }

    @Test
    void badNamespaceArgumentsAreUsageErrors() throws Exception {
        Env.requireRoot();
        for (List<String> args : List.of(List.of("--netns", "hck-no-such-namespace"), List.of("--netns", "/etc/hostname"),
                List.of("--netns", "x", "--all-netns"))) {
            List<String> full = new ArrayList<>(List.of("--dry-run"));
            full.addAll(args);
            Netns.Result r = Netns.exec(Netns.apartFromHostBpffs(Netns.hckCommand(full.toArray(String[]::new))), 60);
            assertEquals(2, r.rc(), args + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        }
    }

    /** Runs the Sandbox with hck argument groups; returns its output lines. */
    List<String> sandbox(String... hckArgs) throws Exception {
        Env.requireNetns();
        Env.requireCommand("unshare");
        Env.requireCommand("nsenter");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc", "--mount", "--net", "--",
                Netns.java().toString(), "-XX:-UsePerfData", "-cp", Netns.classpath(), "hck.support.Sandbox")); // PID 1 of every sandbox: no shared /tmp/hsperfdata_root/1
        cmd.addAll(List.of(hckArgs));
        Netns.Result r = Netns.exec(cmd, 600);
        assertEquals(0, r.rc(), r.stdout() + r.stderr());
        return r.stdout().lines().toList();
    }

    static Map<String, Long> pids(List<String> lines) {
        Map<String, Long> m = new HashMap<>();
        lines.stream().filter(l -> l.startsWith("pid ")).forEach(l -> m.put(l.split(" ")[1], Long.parseLong(l.split(" ")[2])));
        return m;
    }

    static Set<String> sockets(List<String> lines, String tag) {
        return lines.stream().filter(l -> l.startsWith(tag + " ")).map(l -> l.substring(tag.length() + 1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void allNamespacesOfAHostEachFromInsideItself() throws Exception {
        Path dry = tmp.resolve("dry.json"), live = tmp.resolve("live.json");
        List<String> out = sandbox(
                "--dry-run", "--all-netns", "--close-wait-timeout", "1", "--fin-wait-timeout", "0.1", "--json", dry.toString(),
                "--state-file", tmp.resolve("s.json").toString(),
                "--", "--live", "--all-netns", "--close-wait-timeout", "1", "--json", live.toString(),
                "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
        Map<String, Long> pids = pids(out);
        assertEquals(Set.of("own", "alpha", "beta", "hidden"), pids.keySet(), String.join("\n", out));
        assertTrue(out.contains("hck 0 rc 0") && out.contains("hck 1 rc 0"), String.join("\n", out));

        JsonNode doc = JSON.readTree(dry.toFile());
        Map<String, String> labelOf = Map.of("own", "null", "alpha", "alpha", "beta", "beta", "hidden", "pid:" + pids.get("hidden"));
        Map<String, Integer> expected = Map.of("own", 1, "alpha", 2, "beta", 3, "hidden", 2);
        List<JsonNode> closeWait = hung(doc).stream().filter(c -> c.get("state").asText().equals("CLOSE_WAIT")).toList();
        assertEquals(8, closeWait.size(), doc.toPrettyString());
        for (String ns : expected.keySet()) {
            List<JsonNode> mine = closeWait.stream().filter(c -> c.get("netns").asText().equals(labelOf.get(ns))
                    || (ns.equals("own") && c.get("netns").isNull())).toList();
            assertEquals(expected.get(ns), mine.size(), ns + ": " + doc.toPrettyString());
            for (JsonNode c : mine) {
                assertEquals(pids.get(ns), c.get("pid").asLong(), "PIDs as the host sees them");
                assertEquals("leaky-" + ns, c.get("process").asText());
            }
        }
        assertEquals(8, closeWait.stream().map(c -> c.get("netns").asText() + c.get("local").asText()).distinct().count(),
                "each hung socket listed once");
        // each namespace judged with its own tcp_fin_timeout (alpha: 30 s, the others 60 s)
        Set<String> finWait2In = new TreeSet<>();
        for (JsonNode c : hung(doc)) {
            if (!c.get("state").asText().equals("FIN_WAIT2")) continue;
            double age = c.get("age_s").asDouble();
            assertTrue(age < 20, c.get("netns") + " FIN_WAIT2 age " + age + " (a wrong tcp_fin_timeout would add 30 s)");
            finWait2In.add(c.get("netns").asText());
        }
        assertTrue(finWait2In.contains("alpha") && finWait2In.size() >= 2, "FIN_WAIT2 judged in alpha (30 s) and another namespace (60 s): "
                + finWait2In + "\n" + doc.toPrettyString());
        JsonNode byNetns = doc.get("summary").get("by_netns");
        assertEquals(4, byNetns.size());

        // live: exactly the hung CLOSE_WAIT sockets (and their peers' ends) are gone, in every namespace
        assertEquals(8, JSON.readTree(live.toFile()).get("summary").get("terminated").asInt());
        for (String ns : expected.keySet()) {
            Set<String> before = sockets(out, "after0 " + ns);
            Set<String> after = sockets(out, "after1 " + ns);
            assertEquals((long) expected.get(ns), before.stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), ns + " " + before);
            Set<String> expectAfter = new TreeSet<>(before);
            for (String s : before) {
                if (!s.startsWith("CLOSE-WAIT")) continue;
                String[] f = s.split(" ");
                expectAfter.remove(s);
                expectAfter.remove("FIN-WAIT-2 " + f[2] + " " + f[1]);
            }
            assertEquals(expectAfter, after, ns);
            assertTrue(after.stream().anyMatch(s -> s.startsWith("LISTEN")), ns + " keeps its listener");
        }
    }

    /**
     * While hck acts in the first namespaces, the veto command removes beta's name (ip netns del):
     * beta and its hung sockets live on, held by its process and by the descriptor hck opened when it
     * found it, so hck still enters it and works on it. Only leaky-beta is let through the veto.
     */
    @Test
    void aNamespaceWhoseNameIsRemovedMidRunIsStillWorkedOn() throws Exception {
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, "termination:\n  methods: [signal]\n  sigterm_grace: 2\n  veto_command: [sh, -c, "
                + "'ip netns del beta 2>/dev/null; [ \"$HCK_PROCESS\" = leaky-beta ]']\n");
        Path json = tmp.resolve("v.json");
        List<String> out = sandbox("--live", "--all-netns", "--close-wait-timeout", "1", "--rules", rules.toString(),
                "--json", json.toString(), "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
        assertTrue(out.contains("hck 0 rc 0"), String.join("\n", out));
        assertTrue(out.stream().noneMatch(l -> l.contains("vanished")), String.join("\n", out));
        JsonNode doc = JSON.readTree(json.toFile());
        List<JsonNode> beta = new ArrayList<>();
        doc.get("connections").forEach(c -> { if (c.get("netns").asText().equals("beta") && c.get("state").asText().equals("CLOSE_WAIT")) beta.add(c); });
        assertEquals(3, beta.size(), doc.toPrettyString());
        beta.forEach(c -> {
            assertEquals("terminated", c.get("action").asText(), c.toString());
            assertEquals("sigterm", c.get("method").asText(), c.toString());
        });
        assertTrue(out.contains("alive0 beta false"), "leaky-beta was signalled in its nameless namespace: " + String.join("\n", out));
        for (String other : List.of("own", "alpha", "hidden")) assertTrue(out.contains("alive0 " + other + " true"), other + " was vetoed");
        assertEquals(0, doc.get("summary").get("failed").asInt());
    }
}

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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real podman containers on this machine (tests/support/containers-sandbox.sh: podman's storage and
 * /run private to the test, the containers and image named hck-t-*, removed after): one without a
 * cgroup of its own carrying CRI-O's pod annotations, one with a cgroup, both leaking CLOSE_WAIT in
 * their own network namespaces, and a healthy one. hck on the host names each hung socket's
 * container and pod, excludes a pod by glob, and a live run inside one container's namespace ends
 * exactly its leaks.
 */
class ContainersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    /** A root of a static busybox (sh, sleep, nc), as a tar for podman import. */
    Path busyboxRoot() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        for (String d : List.of("bin", "tmp", "proc", "sys", "dev", "etc")) Files.createDirectories(root.resolve(d));
        Files.copy(Path.of("/usr/bin/busybox"), root.resolve("bin/busybox"));
        for (String a : List.of("sh", "sleep", "nc")) Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
        Path tar = tmp.resolve("root.tar");
        Netns.Result r = Netns.exec(List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."), 60);
        assertEquals(0, r.rc(), r.stderr());
        return tar;
    }

    static List<JsonNode> hungIn(JsonNode doc, String containerName) {
        List<JsonNode> out = new ArrayList<>();
        doc.get("connections").forEach(c -> {
            if (c.get("verdict").asText().equals("hung") && c.get("container").isObject() && containerName.equals(c.get("container").get("name").asText())) out.add(c);
        });
        return out;
    }

    @Test
    void everyHungSocketNamedByItsContainerAndPod() throws Exception {
        Env.requireRoot();
        Env.requireCommand("podman");
        Env.requireCommand("unshare");
        Env.requireCommand("nsenter");
        Env.require(Files.isExecutable(Path.of("/usr/bin/busybox")), "this test needs a static /usr/bin/busybox (busybox-static)");
        busyboxRoot();
        Netns.Result r = Netns.exec(List.of("unshare", "--mount", "--propagation", "private", "bash", Path.of("tests/support/containers-sandbox.sh")
                .toAbsolutePath().toString(), tmp.toString(), Netns.java().toString(), Netns.classpath()), 600);
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.rc(), out);
        assertTrue(out.contains("\ndone"), out);
        Map<String, String> ids = new TreeMap<>();
        out.lines().filter(l -> l.startsWith("container ")).forEach(l -> ids.put(l.split(" ")[1], l.split(" ")[2]));
        assertEquals(3, ids.size(), out);

        JsonNode dry = JSON.readTree(tmp.resolve("dry.json").toFile());
        String dryLog = Files.readString(tmp.resolve("dry.log"));
        List<JsonNode> pod = hungIn(dry, "leakweb");
        assertEquals(3, pod.size(), dry.toPrettyString());
        for (JsonNode c : pod) {
            assertEquals("CLOSE_WAIT", c.get("state").asText());
            assertEquals(ids.get("hck-t-pod-leak"), c.get("container").get("id").asText());
            assertEquals("podman", c.get("container").get("runtime").asText());
            assertEquals("{\"namespace\":\"shop\",\"name\":\"web-7f\"}", c.get("container").get("pod").toString());
            assertEquals("pod:shop/web-7f", c.get("netns").asText(), "its namespace is labelled by the pod, not pid:N");
        }
        List<JsonNode> leak2 = hungIn(dry, "hck-t-leak2");
        assertEquals(2, leak2.size(), dry.toPrettyString());
        for (JsonNode c : leak2) {
            assertEquals(ids.get("hck-t-leak2"), c.get("container").get("id").asText(), "from its cgroup");
            assertTrue(c.get("container").get("pod").isNull());
            assertEquals("container:hck-t-leak2", c.get("netns").asText());
        }
        assertEquals(List.of(), hungIn(dry, "hck-t-healthy"), "a healthy container is never reported");
        dry.get("connections").forEach(c -> assertFalse(c.get("container").isObject() && c.get("container").get("name").asText().equals("hck-t-healthy"),
                c.toString()));
        assertTrue(dryLog.contains("netns: pod:shop/web-7f, container leakweb)"), dryLog);
        assertTrue(dryLog.contains("netns: container:hck-t-leak2, container hck-t-leak2)"), dryLog);
        JsonNode byNetns = dry.get("summary").get("by_netns");
        List<String> labels = new ArrayList<>();
        byNetns.forEach(n -> labels.add(n.get("netns").asText()));
        assertTrue(labels.containsAll(List.of("pod:shop/web-7f", "container:hck-t-leak2", "container:hck-t-healthy")), labels.toString());
        boolean processListed = false;
        for (JsonNode p : dry.get("processes")) {
            if (p.get("container").isObject() && p.get("container").get("name").asText().equals("leakweb")) processListed = true;
        }
        assertTrue(processListed, "the processes entry names the container too: " + dry.get("processes"));

        // exclude_containers: the pod spared with a reason that names the rule, the other still hung
        JsonNode excl = JSON.readTree(tmp.resolve("excl.json").toFile());
        assertEquals(List.of(), hungIn(excl, "leakweb"));
        assertEquals(2, hungIn(excl, "hck-t-leak2").size());
        int spared = 0;
        for (JsonNode c : excl.get("connections")) {
            if (c.get("container").isObject() && c.get("container").get("name").asText().equals("leakweb")) {
                assertEquals("skipped", c.get("verdict").asText());
                assertTrue(c.get("reason").asText().contains("pod shop/web-7f is excluded (exclude_containers: shop/*)"), c.toString());
                if (c.get("state").asText().equals("CLOSE_WAIT")) spared++;
                // the clients' half-closed ends (nc sent its FIN and keeps reading), in the pod too
                else assertEquals("FIN_WAIT2", c.get("state").asText(), c.toString());
            }
        }
        assertEquals(3, spared);

        // live, from inside leak2's namespace: its two leaks gone, the others untouched
        JsonNode live = JSON.readTree(tmp.resolve("live.json").toFile());
        assertEquals(2, live.get("summary").get("terminated").asInt(), live.toPrettyString());
        for (JsonNode c : hungIn(live, "hck-t-leak2")) assertEquals("terminated", c.get("action").asText());
        String after2 = out.lines().filter(l -> l.startsWith("after hck-t-leak2 ")).findFirst().orElseThrow();
        assertFalse(after2.contains("CLOSE-WAIT"), after2);
        String afterPod = out.lines().filter(l -> l.startsWith("after hck-t-pod-leak ")).findFirst().orElseThrow();
        assertTrue(afterPod.contains(" 3 CLOSE-WAIT;"), afterPod);
        String afterHealthy = out.lines().filter(l -> l.startsWith("after hck-t-healthy ")).findFirst().orElseThrow();
        assertTrue(afterHealthy.contains(" 4 ESTAB;"), afterHealthy);

        // --every with --metrics-listen, scraped by a real Prometheus: up, the per-holder series carry the pod, SIGTERM ends it in time
        JsonNode up = JSON.readTree(tmp.resolve("up.json").toFile()).get("data").get("result");
        assertEquals(1, up.size(), up.toString());
        assertEquals("1", up.get(0).get("value").get(1).asText(), "up is 1");
        JsonNode hung = JSON.readTree(tmp.resolve("hung.json").toFile()).get("data").get("result");
        assertEquals(3, hung.size(), "each of the pod's three sleeps holds one: " + hung);
        for (JsonNode h : hung) {
            JsonNode series = h.get("metric");
            assertEquals("shop", series.get("pod_namespace").asText(), series.toString());
            assertEquals("leakweb", series.get("container").asText(), series.toString());
            assertEquals("sleep", series.get("process").asText(), series.toString());
            assertEquals("1", h.get("value").get(1).asText());
        }
        assertTrue(out.contains("healthz 200"), out);
        String ended = out.lines().filter(l -> l.startsWith("every rc ")).findFirst().orElseThrow();
        assertTrue(ended.startsWith("every rc 143 "), ended);
        assertTrue(Long.parseLong(ended.substring(ended.lastIndexOf(' ') + 1)) < 5_000, "SIGTERM ends it within 5 s: " + ended);
        String every = Files.readString(tmp.resolve("every.log"));
        assertTrue(every.lines().filter(l -> l.contains("Found ")).count() >= 2, "it ran more than one cycle: " + every);
        assertTrue(every.contains("Stopped by SIGTERM after the cycle in progress"), every);
    }

    /**
     * The DaemonSet's pod spec in podman's words, read from kubernetes/daemonset.yaml: host PID and
     * network, a read-only root, the host's / read-only at its mountPath, the other volumes at theirs
     * (a hostPath other than / and the ConfigMap become this test's own directories: never the
     * machine's /var/lib/hck), emptyDirs as tmpfs, the image and its args. Podman on these machines
     * takes --pid=host only with --privileged, a superset of the capabilities the pod adds.
     * {@code live}: the live overlay's patch applied, one run aimed by the caller, without the host's
     * network (the caller joins a test namespace) and without --every, --metrics-listen, --all-netns.
     */
    /** The node's /sys/fs/bpf as the pod sees it: a bpffs of the test's own (its stamps removed with it). */
    hck.support.BpfFs bpffs;

    List<String> podArgs(boolean live, int metricsPort) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode spec = yaml.readTree(Path.of("kubernetes/daemonset.yaml").toFile()).at("/spec/template/spec");
        JsonNode c = spec.at("/containers/0");
        List<String> run = new ArrayList<>();
        run.addAll(List.of("--privileged", "--pids-limit=-1", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"));
        if (spec.path("hostPID").asBoolean()) run.add("--pid=host");
        if (spec.path("hostNetwork").asBoolean() && !live) run.add("--network=host");
        if (c.at("/securityContext/readOnlyRootFilesystem").asBoolean()) run.add("--read-only");
        Map<String, JsonNode> volumes = new TreeMap<>();
        spec.path("volumes").forEach(v -> volumes.put(v.get("name").asText(), v));
        for (JsonNode m : c.path("volumeMounts")) {
            JsonNode v = volumes.get(m.get("name").asText());
            String at = m.get("mountPath").asText();
            if (v.has("hostPath") && v.at("/hostPath/path").asText().equals("/")) {
                assertTrue(m.path("readOnly").asBoolean(), "the host's root is mounted read-only");
                run.addAll(List.of("-v", "/:" + at + ":ro,rslave"));
            } else if (v.has("hostPath") && v.at("/hostPath/path").asText().equals("/sys/fs/bpf")) {
                assertNotNull(bpffs, "the node's bpffs is the test's own");
                run.addAll(List.of("-v", bpffs.dir + ":" + at));
            } else if (v.has("hostPath")) {
                run.addAll(List.of("-v", Files.createDirectories(tmp.resolve("state")) + ":" + at));
            } else if (v.has("configMap")) {
                JsonNode cm = yaml.readTree(Path.of("kubernetes/configmap.yaml").toFile());
                assertEquals(v.at("/configMap/name").asText(), cm.at("/metadata/name").asText());
                Path dir = Files.createDirectories(tmp.resolve("configmap"));
                cm.get("data").fields().forEachRemaining(e -> {
                    try {
                        // the leaks are seconds old: CLOSE_WAIT's timeout patched to 1 s, as an overlay patching the ConfigMap would
                        String rules = e.getValue().asText();
                        assertTrue(rules.contains("\n  CLOSE_WAIT: 60\n"), rules);
                        Files.writeString(dir.resolve(e.getKey()), rules.replace("\n  CLOSE_WAIT: 60\n", "\n  CLOSE_WAIT: 1\n"));
                    } catch (java.io.IOException x) {
                        throw new java.io.UncheckedIOException(x);
                    }
                });
                run.addAll(List.of("-v", dir + ":" + at + ":ro"));
            } else if (v.has("emptyDir")) {
                run.addAll(List.of("--tmpfs", at));
            } else {
                fail("a volume the test does not know how to give podman: " + v);
            }
        }
        run.add(c.get("image").asText());
        List<String> args = new ArrayList<>();
        c.get("args").forEach(a -> args.add(a.asText()));
        if (live) {
            JsonNode patch = yaml.readTree(Path.of("kubernetes/overlays/live/live.yaml").toFile()).get(0);
            assertEquals("/spec/template/spec/containers/0/args/0", patch.get("path").asText());
            args.set(0, patch.get("value").asText());
            assertEquals("--live", args.get(0));
            for (String drop : List.of("--every", "--metrics-listen")) {
                int i = args.indexOf(drop);
                args.remove(i + 1);
                args.remove(i);
            }
            args.remove("--all-netns");
            args.set(args.indexOf("--json") + 1, "/var/lib/hck/live.json");
        } else {
            args.set(args.indexOf("--metrics-listen") + 1, "127.0.0.1:" + metricsPort); // never a fixed port of the machine
        }
        run.addAll(args);
        return run;
    }

    @Test
    void theImageRunsAsTheDaemonSetSays() throws Exception {
        Env.requireRoot();
        Env.requireCommand("podman");
        Env.requireCommand("jlink");
        Env.require(Files.isExecutable(Path.of("/usr/bin/busybox")), "this test needs a static /usr/bin/busybox (busybox-static)");
        busyboxRoot();
        List<Integer> programs = hck.support.BpfFs.programs("hck_stamp");
        Netns.Result r;
        try (hck.support.BpfFs fs = hck.support.BpfFs.mount()) {
            bpffs = fs;
            Files.write(tmp.resolve("pod-args"), podArgs(false, 20000 + new java.util.Random().nextInt(20000)));
            Files.write(tmp.resolve("live-args"), podArgs(true, 0));
            r = Netns.exec(List.of("unshare", "--mount", "--propagation", "private", "bash", Path.of("tests/support/containers-sandbox.sh")
                    .toAbsolutePath().toString(), tmp.toString(), Netns.java().toString(), Netns.classpath(), "image"), 900);
            assertEquals(0, r.rc(), r.stdout() + r.stderr());
            assertTrue(Files.exists(fs.dir.resolve("hck/link")), "the pod's stamps outlive it, pinned in the node's bpffs: "
                    + (Files.exists(tmp.resolve("agent.log")) ? Files.readString(tmp.resolve("agent.log")).lines().filter(l -> l.contains("Stamps")).toList()
                    : r.stdout() + r.stderr()));
        }
        assertEquals(programs, hck.support.BpfFs.awaitPrograms("hck_stamp", programs.size()), "removed with the test's bpffs");
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.rc(), out);
        assertTrue(out.contains("\ndone"), out);
        assertTrue(out.contains("image has usr/share/man/man1/hck.1") && out.contains("image has usr/share/bash-completion/completions/hck"),
                "the image carries man hck and the completion: " + out);
        String stopped = out.lines().filter(l -> l.startsWith("agent stopped ")).findFirst().orElseThrow();
        assertTrue(Long.parseLong(stopped.split(" ")[3]) < 5_000, "podman stop (SIGTERM) ends it within 5 s: " + stopped);

        // the image's dry run, with the host's files under /host, names what hck on the host named
        JsonNode dry = JSON.readTree(tmp.resolve("image-dry.json").toFile());
        assertEquals(3, hungIn(dry, "leakweb").size(), Files.readString(tmp.resolve("agent.log")) + dry.toPrettyString());
        hungIn(dry, "leakweb").forEach(c -> assertEquals("pod:shop/web-7f", c.get("netns").asText()));
        assertEquals(2, hungIn(dry, "hck-t-leak2").size());
        assertEquals(List.of(), hungIn(dry, "hck-t-healthy"));
        assertEquals("/etc/hck/rules.yaml", dry.get("rules").asText(), "the ConfigMap's rules");
        assertTrue(List.of("installed", "active").contains(dry.get("stamps").get("status").asText()), "stamps in the node's bpffs: " + dry.get("stamps"));
        assertEquals("active", JSON.readTree(tmp.resolve("image-live.json").toFile()).get("stamps").get("status").asText(), "read by the next run");

        // live from the image: leak2's leaks gone, the pod's and the healthy container's connections intact
        JsonNode live = JSON.readTree(tmp.resolve("image-live.json").toFile());
        assertEquals(2, live.get("summary").get("terminated").asInt(), Files.readString(tmp.resolve("image-live.log")));
        String after2 = out.lines().filter(l -> l.startsWith("after hck-t-leak2 ")).findFirst().orElseThrow();
        assertFalse(after2.contains("CLOSE-WAIT"), after2);
        assertTrue(out.lines().filter(l -> l.startsWith("after hck-t-pod-leak ")).findFirst().orElseThrow().contains(" 3 CLOSE-WAIT;"), out);
        assertTrue(out.lines().filter(l -> l.startsWith("after hck-t-healthy ")).findFirst().orElseThrow().contains(" 4 ESTAB;"), out);
    }
}

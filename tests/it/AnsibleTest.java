package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The shipped Ansible role, run for real: three inventory hosts that are local aliases, each
 * pointed with --netns at its own private namespace (made by this test) holding different hung
 * sockets of processes this test started. hck itself runs in the test's namespace and touches
 * only the namespace it is pointed at.
 */
class AnsibleTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @Test
    void ansibleLintProductionProfilePasses() throws Exception {
        Env.requireCommand("ansible-lint");
        Netns.Result r = Netns.exec(List.of("ansible-lint", "--profile", "production", "--nocolor", "ansible/"), 300);
        assertEquals(0, r.rc(), r.stdout() + r.stderr());
    }

    /**
     * Every host path the role writes or deletes (defaults/main.yml), and where each play of the suite
     * points it: inside this test's temp directory, per inventory host. {@link #theRoleTouchesNoDefaultPath}
     * holds this list to the role's defaults and the plays to it.
     */
    static final Map<String, String> HOST_PATHS = Map.of("hck_install_dir", "opt", "hck_config_dir", "etc", "hck_state_dir", "state",
            "hck_lock_file", "hck.lock", "hck_systemd_unit_dir", "systemd", "hck_cron_file", "cron.d/hck", "hck_man_dir", "man1",
            "hck_completion_dir", "completion");

    Path inventory(List<Netns> ns, Map<String, String> extraHostVars) throws Exception {
        StringBuilder b = new StringBuilder("[fleet]\n");
        for (int i = 0; i < ns.size(); i++) {
            String h = "h" + (i + 1);
            b.append(h).append(" hck_extra_args='[\"--netns\", \"").append(ns.get(i).name).append("\", \"--close-wait-timeout\", \"1\"]'");
            if (extraHostVars.containsKey(h)) b.append(' ').append(extraHostVars.get(h));
            b.append('\n');
        }
        b.append("[fleet:vars]\nansible_connection=local\nansible_python_interpreter=").append(python()).append('\n')
                .append("ansible_become=false\n");
        new TreeMap<>(HOST_PATHS).forEach((k, v) -> b.append(k).append('=').append(tmp).append("/{{ inventory_hostname }}/").append(v).append('\n'));
        b.append("hck_report_dir=").append(tmp).append("/reports\n")
                .append("hck_cache_dir=").append(tmp).append("/cache\n");
        Path inv = Files.createTempFile(tmp, "inventory", ".ini");
        Files.writeString(inv, b.toString());
        return inv;
    }

    /**
     * The role's defaults name no host path the suite's plays leave where it is: each default host
     * path is in {@link #HOST_PATHS} and in the fleet sandbox's inventory, and the plays this suite
     * runs (the whole role with no schedule, which removes a cron file no longer configured, then the
     * schedules systemd, cron and none) run in a private mount namespace where a sentinel sits at each
     * default path, over overlays of /etc, /opt, /var/lib and /run whose upper layers show every file
     * written there: only the sentinels, unchanged, at the end.
     */
    @Test
    void theRoleTouchesNoDefaultPath() throws Exception {
        Env.requireRoot();
        Env.requireCommand("ansible-playbook");
        Env.requireCommand("unshare");
        Map<String, String> defaults = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("ansible/roles/hck/defaults/main.yml"))) {
            Matcher m = Pattern.compile("^(hck_\\w+): \"?(/[^\"]*)\"?$").matcher(line);
            if (m.matches()) defaults.put(m.group(1), m.group(2));
        }
        // hck_java is only ever run, never written (hck_install_java, which would install a package, is off in these plays)
        assertEquals("/usr/bin/java", defaults.remove("hck_java"));
        assertEquals(new TreeMap<>(HOST_PATHS).keySet(), defaults.keySet(), "a host path the role writes is not sandboxed by the suite's plays");
        String fleetInventory = Files.readString(Path.of("tests/support/fleet-sandbox.sh"));
        for (String k : defaults.keySet()) assertTrue(fleetInventory.contains("\n" + k + "=$T/"), k + " is not sandboxed in FleetSshTest's inventory");

        Path inv = inventory(List.of(), Map.of());
        Files.writeString(inv, Files.readString(inv).replace("[fleet]\n", "[fleet]\nh1\n"));
        Files.createDirectories(tmp.resolve("h1/systemd"));
        Files.createDirectories(tmp.resolve("h1/cron.d"));
        Path up = Files.createDirectories(tmp.resolve("up"));
        List<String> sentinels = new ArrayList<>(defaults.values());
        sentinels.remove("/opt/hck");
        sentinels.remove("/etc/hck");
        sentinels.remove("/var/lib/hck");
        sentinels.remove("/etc/systemd/system");
        sentinels.remove("/usr/local/share/man/man1");
        sentinels.remove("/etc/bash_completion.d");
        sentinels.addAll(List.of("/opt/hck/hck.jar", "/etc/hck/rules.yaml", "/var/lib/hck/last.json", "/var/lib/hck/state.json",
                "/etc/systemd/system/hck.service", "/etc/systemd/system/hck.timer", "/usr/local/share/man/man1/hck.1", "/etc/bash_completion.d/hck"));
        String play = "env ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0 ansible-playbook -i " + inv + " ansible/site.yml";
        String script = String.join("\n",
                "set -eu",
                "mount --make-rprivate /",
                "mount -t tmpfs sentinel-up " + up,
                "for d in /etc /opt /var/lib /run /usr/local; do mkdir -p " + up + "$d/u " + up + "$d/w",
                "  mount -t overlay -o lowerdir=$d,upperdir=" + up + "$d/u,workdir=" + up + "$d/w sentinel $d; done",
                "for f in " + String.join(" ", sentinels) + "; do mkdir -p \"$(dirname $f)\"; echo \"sentinel $f\" > $f; done",
                play + " > " + tmp.resolve("play0.log") + " 2>&1 || { echo play0 failed; cat " + tmp.resolve("play0.log") + "; exit 1; }",
                play + " --tags hck_schedule -e hck_schedule=systemd -e hck_schedule_start=false > " + tmp.resolve("play1.log") + " 2>&1 || { echo play1 failed; cat " + tmp.resolve("play1.log") + "; exit 1; }",
                play + " --tags hck_schedule -e hck_schedule=cron > " + tmp.resolve("play2.log") + " 2>&1 || { echo play2 failed; cat " + tmp.resolve("play2.log") + "; exit 1; }",
                play + " --tags hck_schedule -e hck_schedule=none > " + tmp.resolve("play3.log") + " 2>&1 || { echo play3 failed; cat " + tmp.resolve("play3.log") + "; exit 1; }",
                "for f in " + String.join(" ", sentinels) + "; do [ \"$(cat $f)\" = \"sentinel $f\" ] && echo \"kept $f\" || echo \"LOST $f\"; done",
                "cd " + up + " && find . -path './*/u/*' \\( -type f -o -type l -o -type c \\) | sed 's|^\\./\\([a-z/]*\\)/u/|written /\\1/|'");
        Netns.Result r = Netns.exec(List.of("unshare", "--mount", "--propagation", "private", "bash", "-c", script), 1200);
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.rc(), out);
        for (String f : sentinels) assertTrue(out.contains("kept " + f + "\n"), f + " was changed or removed: " + out);
        assertFalse(out.contains("LOST"), out);
        List<String> written = out.lines().filter(l -> l.startsWith("written ")).map(l -> l.substring(8).replace("//", "/")).sorted().toList();
        assertEquals(sentinels.stream().sorted().toList(), written, "the plays wrote nothing else under /etc, /opt, /var/lib, /run or /usr/local");
        // the plays did their work in the sandbox instead
        assertTrue(Files.exists(tmp.resolve("h1/opt/hck.jar")), out);
        assertTrue(Files.exists(tmp.resolve("h1/man1/hck.1")) && Files.exists(tmp.resolve("h1/completion/hck")), "man page and completion in the sandbox");
        assertTrue(Files.exists(tmp.resolve("h1/systemd/hck.service")), "the systemd play wrote its units into the sandbox");
        assertFalse(Files.exists(tmp.resolve("h1/cron.d/hck")), "the last play (none) removed the sandbox's cron file");
    }

    static String python() {
        return Env.onPath("python3") ? "/usr/bin/python3" : "python3";
    }

    static Netns.Result playbook(Path inventory, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=0", "ANSIBLE_FORCE_COLOR=0",
                "ansible-playbook", "-i", inventory.toString(), "ansible/site.yml"));
        cmd.addAll(List.of(args));
        return Netns.exec(cmd, 900);
    }

    /** host → {ok, changed, failed} from the play recap. */
    static Map<String, int[]> recap(String out) {
        Map<String, int[]> m = new TreeMap<>();
        Matcher x = Pattern.compile("(?m)^(h\\d)\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=\\d+\\s+failed=(\\d+)").matcher(out);
        while (x.find()) m.put(x.group(1), new int[] {Integer.parseInt(x.group(2)), Integer.parseInt(x.group(3)), Integer.parseInt(x.group(4))});
        return m;
    }

    /** Every file under the hosts' directories, with its content hash: what "changes nothing" compares. */
    Map<String, String> hostFiles() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String h : List.of("h1", "h2", "h3")) {
            Path dir = tmp.resolve(h);
            if (!Files.exists(dir)) continue;
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    out.put(tmp.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    @Test
    void oneFleetReportFromThreeHosts() throws Exception {
        Env.requireCommand("ansible-playbook");
        try (Netns a = Netns.create(); Netns b = Netns.create(); Netns c = Netns.create()) {
            List<Netns> all = List.of(a, b, c);
            for (int i = 0; i < 3; i++) {
                all.get(i).holder("name=server", "listen:9000:close");
                all.get(i).holder("name=leaky" + (i + 1), "connect:127.0.0.1:9000:" + (i + 1));
            }
            Thread.sleep(1500);
            Path inv = inventory(all, Map.of());

            // a dry run: every host's hung sockets, one report
            Netns.Result dry = playbook(inv);
            assertEquals(0, dry.rc(), dry.stdout() + dry.stderr());
            Path reports = tmp.resolve("reports");
            for (int i = 0; i < 3; i++) {
                JsonNode host = JSON.readTree(reports.resolve("hosts/h" + (i + 1) + ".json").toFile());
                assertEquals(i + 1, host.get("summary").get("hung").asInt(), host.toPrettyString());
                for (JsonNode conn : host.get("connections")) {
                    assertEquals(all.get(i).name, conn.get("netns").asText());
                    assertEquals("leaky" + (i + 1), conn.get("process").asText());
                }
            }
            JsonNode fleet = JSON.readTree(reports.resolve("hck-report.json").toFile());
            assertTrue(fleet.get("generated_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
            JsonNode sum = fleet.get("summary");
            assertEquals(3, sum.get("hosts").asInt());
            assertEquals(6, sum.get("hung").asInt());
            assertEquals(0, sum.get("terminated").asInt());
            assertEquals("[\"h1\",\"h2\",\"h3\"]", sum.get("hosts_with_hung").toString());
            assertEquals("[]", sum.get("unreachable_or_failed").toString());
            assertEquals(3, fleet.get("hosts").size());
            String md = Files.readString(reports.resolve("hck-report.md"));
            for (int i = 1; i <= 3; i++) {
                assertTrue(Pattern.compile("\\| h" + i + " \\| \\S+ \\| dry-run \\| " + i + " \\| ").matcher(md).find(), md);
                assertTrue(md.contains("leaky" + i + " (PID "), md);
            }
            assertEquals(6, md.lines().filter(l -> l.startsWith("- **h")).count(), md);
            assertTrue(dry.stdout().contains("hck: 3 hosts, 6 hung, 0 terminated, 0 failed"), dry.stdout());

            // a partial run (--limit) and the report alone (--tags hck_report) keep the whole fleet in the report
            Netns.Result limited = playbook(inv, "--limit", "h1");
            assertEquals(0, limited.rc(), limited.stdout());
            JsonNode afterLimit = JSON.readTree(reports.resolve("hck-report.json").toFile());
            assertEquals(3, afterLimit.get("hosts").size(), afterLimit.toPrettyString());
            assertEquals(6, afterLimit.get("summary").get("hung").asInt());
            Netns.Result reportOnly = playbook(inv, "--tags", "hck_report");
            assertEquals(0, reportOnly.rc(), reportOnly.stdout());
            JsonNode afterTags = JSON.readTree(reports.resolve("hck-report.json").toFile());
            assertEquals("[]", afterTags.get("summary").get("unreachable_or_failed").toString(), afterTags.toPrettyString());
            assertEquals(3, afterTags.get("hosts").size());
            recap(reportOnly.stdout()).forEach((h, n) -> assertEquals(0, n[1], h + ": the report's own writes are not changes on hosts"));

            // serial batches: each batch rewrites the report, and the last one holds the whole fleet
            Path serialPlay = tmp.resolve("serial.yml");
            Files.writeString(serialPlay, "---\n- name: hck one host at a time\n  hosts: fleet\n  serial: 1\n  gather_facts: false\n  roles:\n"
                    + "    - role: " + Path.of("ansible/roles/hck").toAbsolutePath() + "\n");
            Netns.Result serial = Netns.exec(List.of("env", "ANSIBLE_NOCOLOR=1", "ansible-playbook", "-i", inv.toString(), serialPlay.toString(),
                    "-e", "hck_jar_source=path", "-e", "hck_jar_path=" + firstJar()), 900);
            assertEquals(0, serial.rc(), serial.stdout());
            JsonNode afterSerial = JSON.readTree(reports.resolve("hck-report.json").toFile());
            assertEquals(3, afterSerial.get("hosts").size(), afterSerial.toPrettyString());
            assertEquals(6, afterSerial.get("summary").get("hung").asInt());

            // the jar is reproducible: rebuilt from the same sources, it is the same bytes, and nothing redeploys
            try (Stream<Path> jars = Files.list(tmp.resolve("cache"))) {
                for (Path j : jars.filter(p -> p.toString().endsWith(".jar")).toList()) Files.delete(j);
            }
            Netns.Result rebuilt = playbook(inv, "--tags", "hck_deploy");
            assertEquals(0, rebuilt.rc(), rebuilt.stdout());
            String install = taskOutput(rebuilt.stdout(), "Install the fat jar");
            assertEquals(3, install.lines().filter(l -> l.startsWith("ok: [h")).count(), "the rebuilt jar is the same bytes: " + rebuilt.stdout());
            assertTrue(taskOutput(rebuilt.stdout(), "Build the fat jar once on the controller").contains("changed: [h1 -> localhost]"), "it was rebuilt");

            // each host got a class-data archive this JDK accepts for this jar (-Xshare:on fails otherwise)
            for (String h : List.of("h1", "h2", "h3")) assertArchiveUsable(h);

            // the deploy is idempotent
            Netns.Result again = playbook(inv, "--tags", "hck_deploy");
            assertEquals(0, again.rc(), again.stdout());
            recap(again.stdout()).forEach((h, n) -> assertEquals(0, n[1], h + " deploy changed on a second run: " + again.stdout()));

            // an archive written for another JDK or jar (its key differs) is written again, on that host only
            Path key = tmp.resolve("h1/opt/hck.jsa.key");
            String written = Files.readString(key);
            Files.writeString(key, "another JDK\n");
            Netns.Result rewrite = playbook(inv, "--tags", "hck_deploy");
            assertEquals(0, rewrite.rc(), rewrite.stdout());
            Map<String, int[]> changed = recap(rewrite.stdout());
            assertTrue(changed.get("h1")[1] >= 1, rewrite.stdout());
            assertEquals(0, changed.get("h2")[1], rewrite.stdout());
            assertEquals(written, Files.readString(key));
            assertArchiveUsable("h1");

            // ansible's --check changes nothing on the hosts, even asked for live, and still reports
            Map<String, String> before = hostFiles();
            Files.delete(reports.resolve("hck-report.json"));
            Netns.Result check = playbook(inv, "--check", "-e", "hck_mode=live");
            assertEquals(0, check.rc(), check.stdout());
            assertEquals(before, hostFiles());
            assertEquals(6, JSON.readTree(reports.resolve("hck-report.json").toFile()).get("summary").get("hung").asInt());
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, all.get(i).sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), "nothing killed");
            }

            // live: exactly the hung sockets, in each host's namespace; changed. Each host's hck runs inside its namespace
            // (its java is ip netns exec's), so a live run whose --netns went wrong could reach no socket of the machine
            Map<String, String> inside = new TreeMap<>();
            for (int i = 0; i < 3; i++) {
                Path wrapper = tmp.resolve("java-in-" + all.get(i).name);
                Files.writeString(wrapper, "#!/bin/sh\nexec ip netns exec " + all.get(i).name + " /usr/bin/java \"$@\"\n");
                Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                inside.put("h" + (i + 1), "hck_java=" + wrapper);
            }
            Netns.Result live = playbook(inventory(all, inside), "-e", "hck_mode=live");
            assertEquals(0, live.rc(), live.stdout());
            for (int i = 0; i < 3; i++) {
                assertEquals(0, all.get(i).sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count());
                assertTrue(all.get(i).sockets().stream().anyMatch(s -> s.startsWith("LISTEN")));
            }
            recap(live.stdout()).forEach((h, n) -> assertTrue(n[1] >= 1, h + " reports changed: " + live.stdout()));
            JsonNode liveFleet = JSON.readTree(reports.resolve("hck-report.json").toFile());
            assertEquals(6, liveFleet.get("summary").get("terminated").asInt());
        }
    }

    /**
     * Each host's own result, whatever else writes last.json: three inventory aliases of this one
     * machine share one state directory (as the default /var/lib/hck would be), while a "scheduled
     * run" rewrites last.json with another host's document all through the play. Each host's report
     * holds its own namespace's sockets, and last.json is left a whole document for people.
     */
    @Test
    void eachHostGetsItsOwnResultWhateverElseWritesLastJson() throws Exception {
        Env.requireCommand("ansible-playbook");
        try (Netns a = Netns.create(); Netns b = Netns.create(); Netns c = Netns.create()) {
            List<Netns> all = List.of(a, b, c);
            for (int i = 0; i < 3; i++) all.get(i).leaky("leaky" + (i + 1), i + 1);
            Path shared = Files.createDirectories(tmp.resolve("shared-state"));
            Map<String, String> vars = new TreeMap<>();
            for (String h : List.of("h1", "h2", "h3")) vars.put(h, "hck_state_dir=" + shared);
            Path inv = inventory(all, vars);
            String decoy = "{\"schema_version\":1,\"host\":\"timer\",\"summary\":{\"hung\":99},\"connections\":[],\"processes\":[]}";
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread timer = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        Path t = shared.resolve(".timer.tmp");
                        Files.writeString(t, decoy);
                        Files.move(t, shared.resolve("last.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        Thread.sleep(20);
                    } catch (Exception e) {
                        // the play may be writing it too: try again
                    }
                }
            });
            timer.start();
            Netns.Result play;
            try {
                play = playbook(inv);
            } finally {
                stop.set(true);
                timer.join();
            }
            assertEquals(0, play.rc(), play.stdout());
            for (int i = 1; i <= 3; i++) {
                JsonNode host = JSON.readTree(tmp.resolve("reports/hosts/h" + i + ".json").toFile());
                assertEquals(i, host.get("summary").get("hung").asInt(), "h" + i + " reports its own run: " + host.toPrettyString());
                for (JsonNode conn : host.get("connections")) {
                    if (conn.get("verdict").asText().equals("hung")) assertEquals("leaky" + i, conn.get("process").asText());
                }
            }
            JSON.readTree(shared.resolve("last.json").toFile()); // whole, whoever wrote it last
            try (Stream<Path> left = Files.list(shared)) {
                assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("run-")).toList(), "no run's own file is left");
            }
        }
    }

    /** The fleet report names the pod and container of a host's top holder and of each hung socket (the report alone, from a saved result). */
    @Test
    void theFleetReportNamesPodsAndContainers() throws Exception {
        Env.requireCommand("ansible-playbook");
        Path inv = inventory(List.of(), Map.of());
        Files.writeString(inv, Files.readString(inv).replace("[fleet]\n", "[fleet]\nh1\n"));
        Path hosts = Files.createDirectories(tmp.resolve("reports/hosts"));
        String container = "{\"id\":\"5b1e\",\"name\":\"api\",\"runtime\":\"containerd\",\"pod\":{\"namespace\":\"shop\",\"name\":\"checkout-6d9f\"}}";
        Files.writeString(hosts.resolve("h1.json"), "{\"schema_version\":1,\"host\":\"h1\",\"mode\":\"dry-run\",\"started_at\":\"2026-12-04T21:00:00Z\","
                + "\"summary\":{\"scanned\":9,\"candidates\":2,\"hung\":2,\"skipped\":0,\"terminated\":2,\"failed\":0},"
                + "\"processes\":[{\"pid\":4242,\"process\":\"api\",\"netns\":\"pod:shop/checkout-6d9f\",\"container\":" + container
                + ",\"open_fds\":40,\"fd_limit\":1024,\"hung\":{\"CLOSE_WAIT\":2},\"hung_total\":2,\"hung_growth_per_hour\":null,"
                + "\"fd_exhaustion_eta_s\":null,\"remotes\":[]}],\"ephemeral_ports\":[],\"connections\":["
                + "{\"proto\":\"tcp\",\"state\":\"CLOSE_WAIT\",\"local\":\"10.1.0.5:8080\",\"remote\":\"10.1.0.9:41000\",\"netns\":\"pod:shop/checkout-6d9f\","
                + "\"pid\":4242,\"process\":\"api\",\"age_s\":75.2,\"verdict\":\"hung\",\"reason\":\"r\",\"action\":\"would-terminate\",\"method\":null,"
                + "\"container\":" + container + "},"
                + "{\"proto\":\"tcp\",\"state\":\"CLOSE_WAIT\",\"local\":\"10.0.0.5:22\",\"remote\":\"10.0.0.9:41001\",\"netns\":null,"
                + "\"pid\":77,\"process\":\"host-app\",\"age_s\":70.0,\"verdict\":\"hung\",\"reason\":\"r\",\"action\":\"would-terminate\",\"method\":null,"
                + "\"container\":null}]}\n");
        Netns.Result r = playbook(inv, "--tags", "hck_report");
        assertEquals(0, r.rc(), r.stdout());
        String md = Files.readString(tmp.resolve("reports/hck-report.md"));
        assertTrue(md.contains("| api (PID 4242, pod shop/checkout-6d9f, container api): 2 |"), md);
        assertTrue(md.contains("(netns pod:shop/checkout-6d9f): api (PID 4242), pod shop/checkout-6d9f, container api, 75.2 s"), md);
        assertTrue(md.contains(": host-app (PID 77), 70.0 s"), "a socket outside containers reads as before: " + md);
    }

    /** The jar the first run built into the controller's cache, used as a prebuilt jar (hck_jar_source: path). */
    Path firstJar() throws Exception {
        try (Stream<Path> jars = Files.list(tmp.resolve("cache"))) {
            Path built = jars.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
            Path copy = tmp.resolve("prebuilt.jar");
            Files.copy(built, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return copy;
        }
    }

    /** The lines a task printed in a play's output. */
    static String taskOutput(String out, String task) {
        int at = out.indexOf("TASK [hck : " + task);
        if (at < 0) return "";
        int end = out.indexOf("\nTASK [", at + 1);
        return out.substring(out.indexOf('\n', at) + 1, end < 0 ? out.length() : end);
    }

    /** The host's archive maps with -Xshare:on, which refuses to start on one written for another JDK or jar. */
    void assertArchiveUsable(String host) throws Exception {
        Path opt = tmp.resolve(host).resolve("opt");
        assertFalse(Files.exists(opt.resolve("cds-run-state.json")), "the archive's dry run left its state file");
        Netns.Result r = Netns.exec(List.of("/usr/bin/java", "-Xshare:on", "-XX:SharedArchiveFile=" + opt.resolve("hck.jsa"),
                "-jar", opt.resolve("hck.jar").toString(), "--version"), 60);
        assertEquals(0, r.rc(), host + ": " + r.stdout() + r.stderr());
        assertTrue(r.stdout().startsWith("hck "), r.stdout());
    }

    @Test
    void aHostWithBadRulesFailsAloneWithHcksMessage() throws Exception {
        Env.requireCommand("ansible-playbook");
        try (Netns a = Netns.create(); Netns b = Netns.create(); Netns c = Netns.create()) {
            List<Netns> all = List.of(a, b, c);
            for (Netns n : all) {
                n.holder("name=server", "listen:9000:close");
                n.holder("name=leaky", "connect:127.0.0.1:9000:1");
            }
            Thread.sleep(1500);
            Path inv = inventory(all, Map.of("h3", "hck_rules='{\"timeouts\": {\"CLOSE_WAIT\": -5}}'"));
            Netns.Result r = playbook(inv);
            assertNotEquals(0, r.rc());
            Map<String, int[]> recap = recap(r.stdout());
            assertEquals(0, recap.get("h1")[2]);
            assertEquals(0, recap.get("h2")[2]);
            assertEquals(1, recap.get("h3")[2], r.stdout());
            assertTrue(r.stdout().contains("'timeouts.CLOSE_WAIT' is invalid: '-5' is negative"), "hck's own message: " + r.stdout());
            JsonNode fleet = JSON.readTree(tmp.resolve("reports/hck-report.json").toFile());
            assertEquals("[\"h3\"]", fleet.get("summary").get("unreachable_or_failed").toString());
            assertEquals(2, fleet.get("summary").get("hung").asInt());
            assertTrue(Files.exists(tmp.resolve("reports/hosts/h1.json")) && Files.exists(tmp.resolve("reports/hosts/h2.json")));
            assertFalse(Files.exists(tmp.resolve("reports/hosts/h3.json")));
        }
    }

    @Test
    void scheduledUnitsPassSystemdAnalyzeAndCronUsesFlock() throws Exception {
        Env.requireCommand("ansible-playbook");
        Env.requireCommand("systemd-analyze");
        Path units = Files.createDirectories(tmp.resolve("units"));
        Path cron = Files.createDirectories(tmp.resolve("cron.d")).resolve("hck");
        Path inv = inventory(List.of(), Map.of());
        Files.writeString(inv, Files.readString(inv).replace("[fleet]\n", "[fleet]\nh1\n"));
        Netns.Result r = playbook(inv, "--tags", "hck_schedule", "-e", "hck_schedule=systemd", "-e", "hck_schedule_start=false",
                "-e", "hck_systemd_unit_dir=" + units, "-e", "hck_prometheus_file=" + tmp.resolve("prom/hck.prom"));
        assertEquals(0, r.rc(), r.stdout());
        Netns.Result verify = Netns.exec(List.of("systemd-analyze", "verify", units.resolve("hck.service").toString(),
                units.resolve("hck.timer").toString()), 120);
        assertEquals(0, verify.rc(), verify.stdout() + verify.stderr());
        String service = Files.readString(units.resolve("hck.service"));
        assertTrue(service.contains("Type=oneshot") && service.contains("SyslogIdentifier=hck"), service);
        assertTrue(service.contains("--prometheus " + tmp.resolve("prom/hck.prom")), service);
        String timer = Files.readString(units.resolve("hck.timer"));
        for (String k : List.of("OnBootSec=", "OnUnitActiveSec=5min", "RandomizedDelaySec=", "AccuracySec=1s")) assertTrue(timer.contains(k), timer);

        r = playbook(inv, "--tags", "hck_schedule", "-e", "hck_schedule=cron", "-e", "hck_cron_file=" + cron);
        assertEquals(0, r.rc(), r.stdout());
        String line = Files.readAllLines(cron).stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        assertTrue(line.matches("\\*/5 \\* \\* \\* \\* root flock -n \\S+ /usr/bin/java -XX:\\+UseParallelGC -XX:ParallelGCThreads=2 -Xmn24m -XX:MaxTenuringThreshold=0 -XX:TieredStopAtLevel=1 -Xlog:disable '-Xlog:all=warning,cds\\*=off:stderr' --enable-native-access=ALL-UNNAMED -XX:SharedArchiveFile=\\S+/hck.jsa -jar \\S+/hck.jar --dry-run --json .*"), line);
    }

    /** Intervals render as the same steady pace in cron and systemd, or are refused with a clear message. */
    @Test
    void scheduleIntervalsRenderOrAreRefused() throws Exception {
        Env.requireCommand("ansible-playbook");
        Path cron = Files.createDirectories(tmp.resolve("cron.d")).resolve("hck");
        Path inv = inventory(List.of(), Map.of());
        Files.writeString(inv, Files.readString(inv).replace("[fleet]\n", "[fleet]\nh1\n"));
        for (String[] c : new String[][] {{"1h", "0 */1 * * *"}, {"1min", "* * * * *"}, {"15m", "*/15 * * * *"}, {"1d", "0 0 * * *"}, {"6h", "0 */6 * * *"}}) {
            Netns.Result r = playbook(inv, "--tags", "hck_schedule", "-e", "hck_schedule=cron", "-e", "hck_cron_file=" + cron, "-e", "hck_schedule_interval=" + c[0]);
            assertEquals(0, r.rc(), r.stdout());
            String line = Files.readAllLines(cron).stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
            assertTrue(line.startsWith(c[1] + " root "), c[0] + " -> " + line);
        }
        for (String bad : List.of("90s", "7min", "5h", "often")) {
            Netns.Result r = playbook(inv, "--tags", "hck_schedule", "-e", "hck_schedule=cron", "-e", "hck_cron_file=" + cron, "-e", "hck_schedule_interval=" + bad);
            assertNotEquals(0, r.rc(), bad);
            assertTrue(r.stdout().contains("hck_schedule_interval " + bad + ": use whole minutes that divide an hour"), r.stdout());
        }
        // back to none: the cron file goes
        Netns.Result r = playbook(inv, "--tags", "hck_schedule", "-e", "hck_schedule=none", "-e", "hck_cron_file=" + cron);
        assertEquals(0, r.rc(), r.stdout());
        assertFalse(Files.exists(cron));
    }

    /**
     * The collection as an operator installs it (ansible-galaxy from the git repository): it carries
     * no sources, so the default build stops with a clear message; a jar from a URL is taken only
     * with its SHA-256 right, from a local HTTP server this test runs.
     */
    @Test
    void theCollectionInstallsFromGitAndTakesAJarFromAUrlWithItsChecksum() throws Exception {
        Env.requireCommand("ansible-galaxy");
        Env.requireCommand("git");
        Path collections = tmp.resolve("collections");
        Netns.Result inst = Netns.exec(List.of("ansible-galaxy", "collection", "install", "git+file://" + Path.of("").toAbsolutePath() + "/.git#/ansible/",
                "-p", collections.toString()), 300);
        assertEquals(0, inst.rc(), inst.stdout() + inst.stderr());
        assertTrue(Files.exists(collections.resolve("ansible_collections/hck/fleet/roles/hck/tasks/main.yml")));
        Path jar = tmp.resolve("hck-dist.jar");
        Netns.Result built = Netns.exec(List.of("./jbang", "export", "fatjar", "--force", "-O", jar.toString(), "hck.java"), 600);
        assertEquals(0, built.rc(), built.stderr());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar)));
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hck.jar", ex -> {
            byte[] b = Files.readAllBytes(jar);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 2);
            Path inv = inventory(List.of(ns), Map.of());
            Path play = tmp.resolve("play.yml");
            Files.writeString(play, "---\n- name: hck from the collection\n  hosts: fleet\n  gather_facts: false\n  roles:\n    - role: hck.fleet.hck\n");
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hck.jar";
            Netns.Result noSources = run(collections, inv, play);
            assertNotEquals(0, noSources.rc());
            assertTrue(noSources.stdout().contains("hck_jar_source: build needs the hck checkout"), noSources.stdout());
            Netns.Result badSum = run(collections, inv, play, "-e", "hck_jar_source=url", "-e", "hck_jar_url=" + url, "-e", "hck_jar_sha256=" + "0".repeat(64));
            assertNotEquals(0, badSum.rc());
            // refused by the download task itself, for the checksum, naming both: not any failure of a task with "checksum" in its title
            int task = badSum.stdout().indexOf("Download the jar once on the controller, checked against its SHA-256]");
            assertTrue(task >= 0, badSum.stdout());
            String download = badSum.stdout().substring(task);
            int next = download.indexOf("\nTASK [");
            if (next > 0) download = download.substring(0, next);
            assertTrue(download.contains("FAILED!") && download.contains("did not match " + "0".repeat(64) + "; it was " + sha), badSum.stdout());
            Netns.Result ok = run(collections, inv, play, "-e", "hck_jar_source=url", "-e", "hck_jar_url=" + url, "-e", "hck_jar_sha256=" + sha);
            assertEquals(0, ok.rc(), ok.stdout());
            assertEquals(2, JSON.readTree(tmp.resolve("reports/hosts/h1.json").toFile()).get("summary").get("hung").asInt());
        } finally {
            server.stop(0);
        }
    }

    static Netns.Result run(Path collections, Path inventory, Path play, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "ANSIBLE_NOCOLOR=1", "ANSIBLE_COLLECTIONS_PATH=" + collections, "ansible-playbook",
                "-i", inventory.toString(), play.toString()));
        cmd.addAll(List.of(args));
        return Netns.exec(cmd, 900);
    }

    /**
     * A host whose java is too old fails with that version in the message; one whose JVM cannot
     * start fails with the JVM's own words, never with an earlier run's result; rules removed from
     * the inventory are removed from the host.
     */
    @Test
    void oldJavaAndBrokenJvmFailTheHostAndRemovedRulesGo() throws Exception {
        Env.requireCommand("ansible-playbook");
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 1);
            Path inv = inventory(List.of(ns), Map.of());
            Netns.Result first = playbook(inv, "-e", "{\"hck_rules\": {\"timeouts\": {\"CLOSE_WAIT\": 1}}}");
            assertEquals(0, first.rc(), first.stdout());
            Path rules = tmp.resolve("h1/etc/rules.yaml");
            assertTrue(Files.exists(rules));
            Netns.Result noRules = playbook(inv);
            assertEquals(0, noRules.rc(), noRules.stdout());
            assertFalse(Files.exists(rules), "emptied hck_rules removes the file");

            Path java11 = tmp.resolve("java11");
            Files.writeString(java11, "#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n");
            Path broken = tmp.resolve("brokenjava");
            Files.writeString(broken, "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n"
                    + "echo 'Error occurred during initialization of VM' >&2\nexit 1\n");
            for (Path f : List.of(java11, broken)) Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Netns.Result old = playbook(inv, "-e", "hck_java=" + java11, "-e", "hck_class_data_archive=false");
            assertNotEquals(0, old.rc());
            assertTrue(old.stdout().contains("hck needs Java 17 or later on h1: " + java11 + " is Java 11 (openjdk version"), old.stdout());
            Netns.Result jvm = playbook(inv, "-e", "hck_java=" + broken, "-e", "hck_class_data_archive=false", "--tags", "hck_run,hck_report");
            assertNotEquals(0, jvm.rc());
            assertTrue(jvm.stdout().contains("Error occurred during initialization of VM"), jvm.stdout());
            // the failed run wrote no result of its own; last.json, kept for people, is the earlier run's and was not read as this one
            try (Stream<Path> state = Files.list(tmp.resolve("h1/state"))) {
                assertEquals(List.of(), state.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("run-")).toList());
            }
            JsonNode fleet = JSON.readTree(tmp.resolve("reports/hck-report.json").toFile());
            assertEquals("[\"h1\"]", fleet.get("summary").get("unreachable_or_failed").toString(), fleet.toPrettyString());
        }
    }
}

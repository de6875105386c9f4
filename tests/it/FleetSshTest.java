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

import static org.junit.jupiter.api.Assertions.*;

/**
 * The role as a fleet operator runs it: from an ops directory outside the checkout (its ansible.cfg
 * points roles_path at the role), over real SSH to hosts that each run their own sshd in a network
 * namespace joined by a veth pair, as an unprivileged user with sudo and become: true; one host
 * without any java (the role ships a jlink runtime there), one Debian host without Java whose apt has a
 * local repository (hck_install_java: the role installs the JRE package), one inventory host unreachable. All of it
 * inside tests/support/fleet-sandbox.sh: new PID, mount and network namespaces with their own /dev,
 * /run and user databases, so nothing a run does reaches the machine.
 */
class FleetSshTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @Test
    void aFleetOverRealSshWithBecomeFromAnOpsRepo() throws Exception {
        Env.requireRoot();
        Env.requireCommand("ansible-playbook");
        Env.requireCommand("unshare");
        Env.requireCommand("ssh-keygen");
        Env.requireCommand("sudo");
        Env.require(Files.isExecutable(Path.of("/usr/sbin/sshd")), "this test needs /usr/sbin/sshd (openssh-server)");
        Env.requireCommand("apt-get");
        Env.requireCommand("dpkg-scanpackages");
        Path repo = Path.of("").toAbsolutePath();
        // the JRE package h4's apt installs: the machine's own download, else Debian's mirror
        Path debs = Files.createDirectories(tmp.resolve("repo"));
        Netns.Result got = Netns.exec(List.of("bash", "-c", "cd '" + debs + "' && { cp /var/cache/apt/archives/openjdk-17-jre-headless_*.deb . 2>/dev/null"
                + " || apt-get download openjdk-17-jre-headless; } && ls *.deb"), 300);
        Env.require(got.rc() == 0, "this test needs the openjdk-17-jre-headless package (apt-get download): " + got.stderr());
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc", "--mount", "--net", "--",
                "bash", repo.resolve("tests/support/fleet-sandbox.sh").toString(), tmp.toString(), repo.toString(), Netns.classpath()));
        Netns.Result r = Netns.exec(cmd, 1200);
        String out = r.stdout() + r.stderr();
        assertTrue(out.contains("check rc 4"), "--check on fresh hosts fails only for the unreachable one: " + out);
        for (String h : List.of("h1", "h2", "h4"))
            assertTrue(out.contains("hck is not deployed on " + h + " yet: nothing to run under --check"), out);
        String check = out.substring(0, out.indexOf("check rc"));
        assertFalse(check.contains("FAILED!"), "a fresh host is no failure under --check: " + check);
        assertTrue(check.contains("no Java 17+ on h4: a real run installs openjdk-17-jre-headless"), check);
        assertFalse(out.contains("Expecting value"), out);
        assertTrue(out.contains("playbook rc 4"), "ansible-playbook says a host was unreachable (rc 4): " + out);
        assertTrue(out.contains("h3") && out.contains("UNREACHABLE"), out);

        Path reports = tmp.resolve("reports");
        for (int i : new int[] {1, 2, 4}) {
            assertTrue(Files.exists(reports.resolve("hosts/h" + i + ".json")), "h" + i + " reported: " + out);
            JsonNode host = JSON.readTree(reports.resolve("hosts/h" + i + ".json").toFile());
            assertEquals(i, host.get("summary").get("hung").asInt(), host.toPrettyString());
            assertEquals("dry-run", host.get("mode").asText());
            for (JsonNode c : host.get("connections")) assertEquals("leaky" + i, c.get("process").asText(), "hck ran as root there: it saw the owner");
        }
        assertFalse(Files.exists(reports.resolve("hosts/h3.json")));
        JsonNode fleet = JSON.readTree(reports.resolve("hck-report.json").toFile());
        assertEquals(7, fleet.get("summary").get("hung").asInt(), fleet.toPrettyString());
        assertEquals("[\"h3\"]", fleet.get("summary").get("unreachable_or_failed").toString());
        assertEquals("[\"h1\",\"h2\",\"h4\"]", fleet.get("summary").get("hosts_with_hung").toString());
        String md = Files.readString(reports.resolve("hck-report.md"));
        assertTrue(md.contains("**Unreachable or failed:** h3"), md);

        // h2 has no java of its own: hck ran there on the runtime the role made with jlink and shipped
        assertTrue(out.lines().anyMatch(l -> l.startsWith("h1 ") && l.contains("JAVA=yes")), "h1 has java: " + out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("h2 ") && l.contains("JAVA=no")), "h2 has none: " + out);
        assertTrue(out.contains("h2 runtime: " + tmp.resolve("h2/opt/runtime/bin/java")), out);
        assertFalse(Files.exists(tmp.resolve("h1/opt/runtime")), "h1 uses its own java");
        // h4 had none either (hck_install_java): the role learned the distribution, refreshed apt's cache
        // from the host's repository, installed the JRE package and looked again; under --check it only said so
        assertTrue(out.lines().anyMatch(l -> l.startsWith("h4 ") && l.contains("JAVA=yes")), "java installed on h4: " + out);
        assertTrue(out.contains("changed: [h4]") && out.contains("TASK [hck : Install a headless JRE 17]"), out);
        assertTrue(Files.readString(tmp.resolve("repo.log")).contains("GET /Release"), "h4's apt refreshed its cache");
        assertFalse(Files.exists(tmp.resolve("h4/opt/runtime")), "h4 runs the installed java");
        // nothing of the role's lands in the ops directory or the checkout
        try (var files = Files.list(tmp.resolve("ops"))) {
            assertEquals(List.of("ansible.cfg", "fleet.yml", "inventory.ini"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertFalse(Files.exists(repo.resolve(".hck-build")) || Files.exists(repo.resolve("ansible/hck-reports")));
    }
}

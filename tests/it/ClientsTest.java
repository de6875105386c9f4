package hck.it;

import com.sun.net.httpserver.HttpServer;
import hck.support.Env;
import hck.support.LocalHttp;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * hck as its real clients start it: an nrpe daemon (running checks as the unprivileged nagios
 * user) answering check_nrpe, node_exporter's textfile collector, and jbang with no locale, no HOME,
 * through a symlink and from a URL. The daemons run in the test's private network namespace, on
 * configuration files in its temp directory; no system service is started.
 */
class ClientsTest {
    @TempDir
    Path tmp;

    /** hck as a fat jar everyone may read (the jbang cache under /root is not): what NRPE's nagios runs. */
    Path jar() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = tmp.resolve("hck.jar");
        Netns.Result r = Netns.exec(List.of("./jbang", "export", "fatjar", "--force", "-O", jar.toString(), "hck.java"), 600);
        assertEquals(0, r.rc(), r.stderr());
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return jar;
    }

    static String java() {
        return Netns.java().toString();
    }

    /**
     * NRPE runs the check as nagios, who cannot read root's /proc/PID/fd: the three hung sockets of a
     * root-owned leaky process have no owner there. The check still counts them and says why the
     * owners are missing — never "OK" beside hung sockets.
     */
    @Test
    void nrpeAsNagiosNeverSaysOkBesideHungSockets() throws Exception {
        Env.require(Files.isExecutable(Path.of("/usr/sbin/nrpe")), "this test needs nrpe (nagios-nrpe-server)");
        Env.require(Files.isExecutable(Path.of("/usr/lib/nagios/plugins/check_nrpe")), "this test needs check_nrpe (nagios-nrpe-plugin)");
        Path jar = jar();
        Path state = Files.createDirectories(tmp.resolve("nagios-state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path cfg = tmp.resolve("nrpe.cfg");
        Files.writeString(cfg, String.join("\n",
                "pid_file=" + tmp.resolve("nrpe.pid"), "server_port=5666", "server_address=127.0.0.1", "nrpe_user=nagios", "nrpe_group=nagios",
                "allowed_hosts=127.0.0.1", "dont_blame_nrpe=0", "command_timeout=60", "connection_timeout=60",
                "command[check_hck]=" + java() + " -XX:+UseSerialGC -jar " + jar + " --check --close-wait-timeout 1 --state-file " + state.resolve("s.json"),
                ""));
        try (Netns ns = Netns.create()) {
            Netns.Held leaky = ns.leaky("leaky", 3);
            Process nrpe = new ProcessBuilder("ip", "netns", "exec", ns.name, "/usr/sbin/nrpe", "-n", "-f", "-c", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("nrpe.log").toFile()).start();
            try {
                for (int i = 0; i < 100 && !ns.sockets().stream().anyMatch(x -> x.startsWith("LISTEN 127.0.0.1:5666 ")); i++) Thread.sleep(100);
                Netns.Result r = ns.run("/usr/lib/nagios/plugins/check_nrpe", "-n", "-H", "127.0.0.1", "-t", "30", "-c", "check_hck");
                String first = r.stdout().lines().findFirst().orElse("");
                assertEquals(1, r.rc(), "WARNING, as root would say: " + r.stdout() + Files.readString(tmp.resolve("nrpe.log")));
                assertTrue(first.startsWith("HCK WARNING: 3 hung TCP connections"), first);
                assertTrue(first.contains("owners unseen: could not read the open files of"), first);
                assertTrue(first.contains("CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH"), first);
                // as root the same check sees the owner
                Netns.Result root = ns.run(java(), "-jar", jar.toString(), "--check", "--close-wait-timeout", "1", "--state-file", tmp.resolve("root.json").toString());
                assertEquals(1, root.rc(), root.stdout());
                assertTrue(root.stdout().startsWith("HCK WARNING: 3 hung TCP connections (leaky PID " + leaky.pid() + ": 3 CLOSE_WAIT"), root.stdout());
            } finally {
                nrpe.destroy();
                nrpe.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** node_exporter's textfile collector reads hck's file cleanly; an unprivileged run says how many owners it could not read. */
    @Test
    void nodeExporterScrapesTheTextfileWithoutError() throws Exception {
        Env.require(Files.isExecutable(Path.of("/usr/bin/prometheus-node-exporter")), "this test needs prometheus-node-exporter");
        Path jar = jar();
        Path dir = Files.createDirectories(tmp.resolve("textfile"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 3);
            Netns.Result asRoot = ns.run(java(), "-jar", jar.toString(), "--dry-run", "--close-wait-timeout", "1", "--prometheus", dir.resolve("hck.prom").toString(),
                    "--state-file", tmp.resolve("s.json").toString());
            assertEquals(0, asRoot.rc(), asRoot.stderr());
            Process exporter = new ProcessBuilder("ip", "netns", "exec", ns.name, "/usr/bin/prometheus-node-exporter", "--collector.disable-defaults",
                    "--collector.textfile", "--collector.textfile.directory=" + dir, "--web.listen-address=127.0.0.1:9100")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("exporter.log").toFile()).start();
            try {
                String metrics = scrape(ns);
                assertTrue(metrics.contains("node_textfile_scrape_error 0"), metrics);
                assertTrue(metrics.contains("hck_hung_connections{netns=\"\",state=\"CLOSE_WAIT\"} 3"), metrics);
                int asRootUnreadable = unreadable(metrics);
                // the same run as a user who cannot read root's open files: the file says so
                Netns.Result unprivileged = ns.run("setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", java(), "-jar", jar.toString(),
                        "--dry-run", "--close-wait-timeout", "1", "--prometheus", dir.resolve("hck.prom").toString(),
                        "--state-file", tmp.resolve("textfile/u.json").toString());
                assertEquals(0, unprivileged.rc(), unprivileged.stderr());
                metrics = scrape(ns);
                assertTrue(metrics.contains("node_textfile_scrape_error 0"), metrics);
                // root reads every process's files but those of processes other tests may run in their own user namespaces
                assertTrue(unreadable(metrics) > asRootUnreadable, "the unprivileged run says it could not read root's processes: " + metrics);
            } finally {
                exporter.destroy();
                exporter.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static int unreadable(String metrics) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^hck_owner_unreadable_processes (\\d+)$").matcher(metrics);
        assertTrue(m.find(), metrics);
        return Integer.parseInt(m.group(1));
    }

    static String scrape(Netns ns) throws Exception {
        Netns.Result r = null;
        for (int i = 0; i < 50; i++) {
            r = ns.run("python3", "-c", "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:9100/metrics').read().decode())");
            if (r.rc() == 0) return r.stdout();
            Thread.sleep(200);
        }
        fail("node_exporter did not answer: " + r.stderr());
        return null;
    }

    /**
     * Every jbang form with no locale and no HOME (env -i, as NRPE and many crontabs run it): the
     * checkout's script, the launcher through a symlink (as on PATH), and the script from a URL served
     * by a local HTTP server (127.0.0.1 is trusted by jbang without a prompt).
     */
    @Test
    void everyJbangFormStartsWithoutLocaleOrHome() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        String path = "PATH=/usr/local/bin:/usr/bin:/bin";
        Netns.Result local = Netns.exec(List.of("env", "-i", path, repo.resolve("jbang").toString(), repo.resolve("hck.java").toString(), "--version"), 600);
        assertEquals(0, local.rc(), local.stdout() + local.stderr());
        assertEquals("hck 0.1.0", local.stdout().strip());
        Path link = tmp.resolve("bin/jbang");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, repo.resolve("jbang"));
        Netns.Result linked = Netns.exec(List.of("env", "-i", path, link.toString(), repo.resolve("hck.java").toString(), "--version"), 600);
        assertEquals(0, linked.rc(), linked.stdout() + linked.stderr());
        assertFalse(Files.exists(tmp.resolve("bin/.jbang-cli")), "no second jbang-cli next to the symlink");
        // jbang app install through the launcher linked on PATH as jbang: the command it writes runs
        String withLink = "PATH=" + link.getParent() + ":/usr/local/bin:/usr/bin:/bin", jbangDir = "JBANG_DIR=" + tmp.resolve("jbang-dir");
        Netns.Result inst = Netns.exec(List.of("env", "-i", withLink, jbangDir, "jbang", "app", "install", "--name", "hck-t", repo.resolve("hck.java").toString()), 600);
        assertEquals(0, inst.rc(), inst.stdout() + inst.stderr());
        Netns.Result app = Netns.exec(List.of("env", "-i", withLink, jbangDir, tmp.resolve("jbang-dir/bin/hck-t").toString(), "--version"), 600);
        assertEquals(0, app.rc(), app.stdout() + app.stderr());
        assertEquals("hck 0.1.0", app.stdout().strip());

        HttpServer server = LocalHttp.start();
        LocalHttp.serveTree(server, repo);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hck.java";
            Netns.Result remote = Netns.exec(List.of("env", "-i", path, repo.resolve("jbang").toString(), "--fresh", url, "--version"), 600);
            assertEquals(0, remote.rc(), remote.stdout() + remote.stderr());
            assertEquals("hck 0.1.0", remote.stdout().strip());
            // the catalog alias from the catalog served there
            String catalog = "hck@http://127.0.0.1:" + server.getAddress().getPort() + "/jbang-catalog.json";
            Netns.Result alias = Netns.exec(List.of("env", "-i", path, repo.resolve("jbang").toString(), "--fresh", catalog, "--version"), 600);
            assertEquals(0, alias.rc(), alias.stdout() + alias.stderr());
            assertEquals("hck 0.1.0", alias.stdout().strip());
        } finally {
            server.stop(0);
        }
    }

    /**
     * A receiver that never answers: the check still prints its status within -t (not UNKNOWN),
     * because its state is saved and its line printed before it notifies; the next check, with the
     * same status, does not notify again.
     */
    @Test
    void aHangingWebhookCannotTurnTheCheckUnknown() throws Exception {
        HttpServer server = LocalHttp.start();
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            hits.incrementAndGet();
            try {
                Thread.sleep(120_000);
            } catch (InterruptedException e) {
                // the test ended
            }
            ex.close();
        });
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 2);
            List<String> cmd = new java.util.ArrayList<>(Netns.hckCommand("--check", "--netns", ns.name, "--close-wait-timeout", "1", "-t", "4",
                    "--notify", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "--state-file", tmp.resolve("s.json").toString()));
            long t0 = System.nanoTime();
            Netns.Result first = Netns.exec(cmd, 60);
            double took = (System.nanoTime() - t0) / 1e9;
            assertEquals(1, first.rc(), first.stdout() + first.stderr());
            assertTrue(first.stdout().startsWith("HCK WARNING: 2 hung TCP connections"), first.stdout());
            assertEquals(1, first.stdout().lines().filter(l -> l.startsWith("HCK ")).count(), "one status line: " + first.stdout());
            assertTrue(took < 10, "ended by -t, not by the receiver: " + took);
            assertEquals(1, hits.get(), "it did try to notify");
            Netns.Result second = Netns.exec(cmd, 60);
            assertEquals(1, second.rc(), second.stdout());
            assertEquals(1, hits.get(), "the status was saved before notifying: no second notification for the same status");
        } finally {
            server.stop(0);
        }
    }
}

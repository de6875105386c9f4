package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The other ways hck is started: the jbang catalog aliases and the exported fat jar. */
class DistributionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    static String jbang() {
        return Path.of("jbang").toAbsolutePath().toString();
    }

    @Test
    void catalogAliasesRunFromTheReposCatalog() throws Exception {
        String catalog = Path.of("jbang-catalog.json").toAbsolutePath().toString();
        Netns.Result version = Netns.exec(List.of(jbang(), "hck@" + catalog, "--version"), 600);
        assertEquals(0, version.rc(), version.stderr());
        assertEquals("hck 0.1.0", version.stdout().strip());
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:1");
            Thread.sleep(1500);
            // inside the namespace JBang works from its warm cache
            Netns.Result check = ns.run(jbang(), "--offline", "hck-check@" + catalog, "-w", "5", "-c", "10", "--close-wait-timeout", "1",
                    "--state-file", tmp.resolve("alias-state.json").toString());
            assertEquals(0, check.rc(), check.stdout() + check.stderr());
            assertTrue(check.stdout().startsWith("HCK OK: 1 hung TCP connection (leaky PID "), check.stdout());
        }
    }

    /**
     * The script's //CDS: jbang's first run writes a class-data archive, and the JVM's warnings
     * about the classes it cannot archive (picocli's are Java 5 class files) must not reach stdout,
     * where the check line and --json - go, nor stderr, where cron mails what it finds.
     */
    @Test
    void theScriptsFirstRunWritesItsClassDataArchiveQuietly() throws Exception {
        // a jbang cache of the test's own (the dependencies still come from the shared Maven repository, read only):
        // the first run is really a first run, and the user's cache is left as it was found
        Path cache = Files.createDirectories(tmp.resolve("jbang-cache"));
        String own = "JBANG_CACHE_DIR=" + cache;
        Netns.Result build = Netns.exec(List.of("env", own, jbang(), "build", "hck.java"), 600);
        assertEquals(0, build.rc(), build.stderr());
        Netns.Result info = Netns.exec(List.of("env", own, jbang(), "info", "tools", "hck.java"), 600);
        assertEquals(0, info.rc(), info.stderr());
        Path archive = Path.of(JSON.readTree(info.stdout()).get("applicationJar").asText()).resolveSibling("hck.jsa");
        assertTrue(archive.startsWith(cache), "built in the test's own cache: " + archive);
        assertFalse(Files.exists(archive), "no archive before the first run");
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:1");
            Thread.sleep(1500);
            for (String run : List.of("first", "second")) {
                Netns.Result check = ns.run("env", own, jbang(), "--offline", "hck.java", "--check", "-w", "5", "-c", "10", "--close-wait-timeout", "1",
                        "--state-file", tmp.resolve("state.json").toString());
                assertEquals(0, check.rc(), run + " run: " + check.stdout() + check.stderr());
                assertTrue(check.stdout().startsWith("HCK OK: 1 hung TCP connection (leaky PID "), run + " run: " + check.stdout());
                assertFalse(check.stdout().contains("[warning]") || check.stdout().contains("[cds]"), run + " run: " + check.stdout());
                assertEquals("", check.stderr(), run + " run");
                assertTrue(Files.size(archive) > 0, run + " run: no archive at " + archive);
            }
        }
    }

    @Test
    void theFatJarBehavesLikeTheScript() throws Exception {
        Path jar = tmp.resolve("hck.jar");
        Netns.Result export = Netns.exec(List.of(jbang(), "export", "fatjar", "--force", "-O", jar.toString(), "hck.java"), 600);
        assertEquals(0, export.rc(), export.stdout() + export.stderr());
        Netns.Result jarHelp = Netns.exec(List.of(Netns.java().toString(), "-jar", jar.toString(), "--help"), 120);
        Netns.Result scriptHelp = Netns.exec(Netns.hckCommand("--help"), 120);
        assertEquals(0, jarHelp.rc());
        assertEquals(scriptHelp.stdout(), jarHelp.stdout());
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close", "listen:22:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:2", "connect:127.0.0.1:22:1");
            Thread.sleep(1500);
            Path a = tmp.resolve("jar.json"), b = tmp.resolve("script.json");
            Netns.Result byJar = ns.run(Netns.java().toString(), "-jar", jar.toString(), "--dry-run", "--close-wait-timeout", "1",
                    "--json", a.toString(), "--state-file", tmp.resolve("s1.json").toString());
            Netns.Result byScript = ns.hck("--dry-run", "--close-wait-timeout", "1", "--json", b.toString(), "--state-file", tmp.resolve("s2.json").toString());
            assertEquals(0, byJar.rc(), byJar.stderr());
            assertEquals(0, byScript.rc(), byScript.stderr());
            JsonNode x = comparable(JSON.readTree(a.toFile())), y = comparable(JSON.readTree(b.toFile()));
            assertEquals(y, x);
            assertEquals(2, x.get("summary").get("hung").asInt());
        }
    }

    /**
     * The launcher remembers jbang's command line for `./jbang SCRIPT.java ARGS` and starts the
     * script's jar without jbang while nothing changed; a changed source two //SOURCES levels down,
     * or jbang's cached jar gone, sends it back to jbang. Every JVM says so on stderr once
     * ("Picked up JAVA_TOOL_OPTIONS"): one line = the script's JVM only; more = jbang's too (and javac's).
     */
    @Test
    void theLauncherRemembersJbangsAnswerUntilASourceChanges() throws Exception {
        Path app = tmp.resolve("app.java"), word = tmp.resolve("lib/Word.java");
        Files.createDirectories(word.getParent());
        Files.writeString(app, "//SOURCES lib/Middle.java\n"
                + "public class app { public static void main(String[] a) { System.out.println(Middle.word() + \" \" + String.join(\"|\", a)); } }\n");
        Files.writeString(tmp.resolve("lib/Middle.java"), "//SOURCES Word.java\nclass Middle { static String word() { return Word.WORD; } }\n");
        Files.writeString(word, "class Word { static final String WORD = \"one\"; }\n");
        Path cache = Path.of(".jbang-cli").toAbsolutePath();
        List<Path> before = remembered(cache);
        try {
            assertEquals(List.of("one a b|$c", "jbang"), launch(app), "first run: jbang builds");
            assertEquals(List.of("one a b|$c", "direct"), launch(app), "unchanged: jbang not started");
            Files.writeString(word, "class Word { static final String WORD = \"two\"; }\n");
            assertEquals(List.of("two a b|$c", "jbang"), launch(app), "a source two levels down changed");
            assertEquals(List.of("two a b|$c", "direct"), launch(app));
            Netns.Result info = Netns.exec(List.of(jbang(), "info", "tools", app.toString()), 600);
            Path jar = Path.of(JSON.readTree(info.stdout()).get("applicationJar").asText());
            Files.delete(jar);
            assertEquals(List.of("two a b|$c", "jbang"), launch(app), "jbang's jar was removed");
            assertEquals(List.of("two a b|$c", "direct"), launch(app));
            Netns.exec(List.of("rm", "-rf", jar.getParent().toString()), 60);
            // a glob in //SOURCES is jbang's to expand, beside the script: never remembered
            Path globbed = tmp.resolve("globbed.java");
            Files.writeString(globbed, "//SOURCES lib/Wor*.java\n"
                    + "public class globbed { public static void main(String[] a) { System.out.println(Word.WORD + \" \" + String.join(\"|\", a)); } }\n");
            assertEquals(List.of("two a b|$c", "jbang"), launch(globbed));
            assertEquals(List.of("two a b|$c", "jbang"), launch(globbed));
            Netns.Result globbedInfo = Netns.exec(List.of(jbang(), "info", "tools", globbed.toString()), 600);
            Netns.exec(List.of("rm", "-rf", Path.of(JSON.readTree(globbedInfo.stdout()).get("applicationJar").asText()).getParent().toString()), 60);
        } finally {
            for (Path p : remembered(cache)) if (!before.contains(p)) Files.delete(p);
        }
    }

    /** The script's output and whether jbang started ("jbang") or only the script's JVM ("direct"). */
    private static List<String> launch(Path script) throws Exception {
        Netns.Result r = Netns.exec(List.of("env", "HCK_JBANG_BOOTSTRAP=1", "JAVA_TOOL_OPTIONS=-Dhck.probe=1", jbang(),
                script.toString(), "a b", "$c"), 600);
        assertEquals(0, r.rc(), r.stderr());
        long jvms = r.stderr().lines().filter(l -> l.startsWith("Picked up JAVA_TOOL_OPTIONS")).count();
        return List.of(r.stdout().strip(), jvms == 1 ? "direct" : "jbang");
    }

    private static List<Path> remembered(Path cache) throws Exception {
        try (var files = Files.walk(cache)) {
            return files.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
        }
    }

    /** The document without what differs between two runs of the same program: times and ages. */
    static JsonNode comparable(JsonNode doc) {
        ObjectNode d = (ObjectNode) doc.deepCopy();
        d.remove(List.of("started_at", "duration_ms"));
        d.get("connections").forEach(c -> ((ObjectNode) c).remove(List.of("age_s", "reason")));
        return d;
    }
}

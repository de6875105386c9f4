package hck;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The repository's shape that remote runs depend on: jbang fetches //SOURCES one by one for
 * {@code jbang <url>/hck.java} and catalog aliases, so every file is named, without globs.
 */
class LayoutTest {
    static Set<String> sourcesLines(Path script) throws Exception {
        return Files.readAllLines(script).stream().filter(l -> l.startsWith("//SOURCES "))
                .map(l -> l.substring("//SOURCES ".length()).trim()).collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> javaFiles(Path dir, Path relativeTo) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).map(p -> relativeTo.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void everySourceUnderHckIsNamedInHckJava() throws Exception {
        Set<String> named = sourcesLines(Path.of("hck.java"));
        assertTrue(named.stream().noneMatch(s -> s.contains("*")), "no globs: " + named);
        assertEquals(javaFiles(Path.of("hck"), Path.of("")), named);
    }

    @Test
    void everyTestSourceIsNamedInTheRunner() throws Exception {
        Set<String> named = sourcesLines(Path.of("tests/run.java"));
        Set<String> files = javaFiles(Path.of("tests"), Path.of("tests"));
        files.remove("run.java");
        named.remove("../hck.java");
        assertEquals(files, named);
    }

    @Test
    void directivesArePinned() throws Exception {
        List<String> deps = Files.readAllLines(Path.of("hck.java")).stream().filter(l -> l.startsWith("//DEPS ")).toList();
        assertFalse(deps.isEmpty());
        for (String d : deps) assertTrue(d.matches("//DEPS [\\w.-]+:[\\w.-]+:\\d[\\w.-]*"), "pinned: " + d);
        assertTrue(Files.readAllLines(Path.of("hck.java")).contains("//JAVA 17+"));
    }

    /**
     * What each package may use (docs/layout.md): model, io and sys at the bottom; rules and decide
     * know nothing of I/O or outputs; scan and act nothing of reports, checks or notifications;
     * outputs on top; run, the cycle, uses them all.
     */
    static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("model", Set.of()),
            Map.entry("io", Set.of()), // the bottom: files and this process's credentials; sys reads through it, never the other way
            Map.entry("sys", Set.of("io", "model")),
            Map.entry("bpf", Set.of("io", "model", "sys")), // hck's programs in the kernel: loaded through sys's libc, never knowing a scan
            Map.entry("rules", Set.of("model")),
            Map.entry("decide", Set.of("model", "rules")),
            Map.entry("container", Set.of("model", "io")),
            Map.entry("scan", Set.of("model", "io", "sys", "bpf")),
            Map.entry("act", Set.of("model", "io", "sys", "rules")),
            Map.entry("netns", Set.of("model", "io", "sys", "container")),
            Map.entry("report", Set.of("model", "io", "sys", "rules", "decide")),
            Map.entry("check", Set.of("model", "io", "sys", "rules", "decide", "report")),
            Map.entry("notify", Set.of("model", "io", "sys", "rules", "decide", "report", "check")),
            Map.entry("run", Set.of("model", "io", "sys", "bpf", "rules", "decide", "scan", "act", "netns", "container", "report", "check", "notify")));

    @Test
    void importsFlowOneWay() throws Exception {
        Pattern use = Pattern.compile("\\bhck\\.([a-z]+)\\.[A-Z]");
        List<String> wrong = new java.util.ArrayList<>();
        for (String file : javaFiles(Path.of("hck"), Path.of(""))) {
            String pkg = Path.of(file).getName(1).toString();
            assertTrue(MAY_USE.containsKey(pkg), "a package the layout does not know: " + pkg);
            Matcher m = use.matcher(Files.readString(Path.of(file)));
            while (m.find()) {
                if (!m.group(1).equals(pkg) && !MAY_USE.get(pkg).contains(m.group(1))) wrong.add(file + " uses hck." + m.group(1));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void filesStaySmallEnoughToRead() throws Exception {
        List<String> big = new java.util.ArrayList<>();
        for (String file : javaFiles(Path.of("hck"), Path.of(""))) {
            long lines = Files.readAllLines(Path.of(file)).size();
            if (lines > 300) big.add(file + ": " + lines);
        }
        assertEquals(List.of(), big, "one job a file");
        long entry = Files.readAllLines(Path.of("hck.java")).size();
        assertTrue(entry <= 400, "hck.java: the directives, the options and the story; " + entry + " lines");
    }

    /**
     * The doc comments hold under doclint's checks that can (references, syntax, HTML,
     * accessibility; not "missing"), for every member: hck.java compiles with them on, and here
     * every source compiles with them and without a single diagnostic, warnings included.
     */
    @Test
    void docCommentsHoldUnderDoclint() throws Exception {
        String options = Files.readAllLines(Path.of("hck.java")).stream().filter(l -> l.startsWith("//COMPILE_OPTIONS ")).findFirst().orElseThrow();
        List<String> doclint = java.util.Arrays.stream(options.substring("//COMPILE_OPTIONS ".length()).trim().split("\\s+"))
                .filter(o -> o.startsWith("-Xdoclint:")).toList();
        assertEquals(List.of("-Xdoclint:accessibility/private,html/private,reference/private,syntax/private"), doclint);
        List<String> files = new java.util.ArrayList<>(List.of("hck.java"));
        files.addAll(sourcesLines(Path.of("hck.java")));
        Path out = Files.createTempDirectory("hck-doclint");
        try {
            javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
            javax.tools.DiagnosticCollector<javax.tools.JavaFileObject> seen = new javax.tools.DiagnosticCollector<>();
            try (javax.tools.StandardJavaFileManager fm = javac.getStandardFileManager(seen, null, java.nio.charset.StandardCharsets.UTF_8)) {
                List<String> args = new java.util.ArrayList<>(List.of("-d", out.toString(), "-proc:none", "-Xmaxwarns", "1000",
                        "-cp", System.getProperty("java.class.path")));
                args.addAll(doclint);
                Boolean ok = javac.getTask(null, fm, seen, args, null, fm.getJavaFileObjectsFromStrings(files)).call();
                List<String> said = seen.getDiagnostics().stream().map(d -> d.getKind() + " " + d.getSource().getName() + ":"
                        + d.getLineNumber() + " " + d.getMessage(java.util.Locale.ROOT)).toList();
                assertTrue(ok, String.join("\n", said));
                assertEquals(List.of(), said);
            }
        } finally {
            try (Stream<Path> s = Files.walk(out)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

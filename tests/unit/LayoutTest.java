package hck;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The repository's shape that remote runs depend on: jbang fetches //SOURCES one by one for
 * `jbang <url>/hck.java` and catalog aliases, so every file is named, without globs.
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
}

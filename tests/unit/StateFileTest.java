package hck.scan;

import hck.support.Socks;

import hck.run.StateFile;
import hck.model.Endpoint;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StateFileTest {
    @Test
    void countersAndLastCheckSurviveRuns(@TempDir Path dir) {
        Path f = dir.resolve("state.json");
        StateFile a = new StateFile(f, w -> fail(w));
        assertEquals(0, a.terminatedTotal());
        assertNull(a.lastCheck());
        a.count(3, 1);
        a.checked("WARNING");
        a.succeeded(1_800_000_000.5);
        a.save();
        StateFile b = new StateFile(f, w -> fail(w));
        b.count(2, 0);
        assertEquals(5, b.terminatedTotal());
        assertEquals(1, b.failedTotal());
        assertEquals("WARNING", b.lastCheck());
        assertEquals(1_800_000_000.5, b.lastSuccess());
    }

    @Test
    void nothingToKeepWritesNothing(@TempDir Path dir) {
        StateFile s = new StateFile(dir.resolve("state.json"), w -> fail(w));
        s.stamp(List.of(), 1);
        s.save();
        assertFalse(Files.exists(dir.resolve("state.json")));
    }

    static Sock sock(int port) {
        return Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.1", port, null), new Endpoint("10.0.0.2", 80, null),
                1, 0, 1000 + port, null, null, null, null, null, List.of(), null);
    }

    @Test
    void sightingsPersistAndStaleOnesArePruned(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/state.json");
        List<String> warnings = new ArrayList<>();
        StateFile first = new StateFile(f, warnings::add);
        List<Sock> s1 = first.stamp(List.of(sock(1), sock(2)), 1_000);
        assertEquals(1_000L, s1.get(0).firstSeenMs());
        first.save();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));

        StateFile second = new StateFile(f, warnings::add);
        List<Sock> s2 = second.stamp(List.of(sock(2), sock(3)), 5_000);
        assertEquals(1_000L, s2.get(0).firstSeenMs(), "seen before: the first sighting stays");
        assertEquals(5_000L, s2.get(1).firstSeenMs(), "new: seen now");
        second.save();
        String text = Files.readString(f);
        assertFalse(text.contains("10.0.0.1:1 "), "socket 1 is gone: its entry is pruned: " + text);
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void corruptOrForeignFilesAreAWarningAndRebuilt(@TempDir Path dir) throws Exception {
        for (String content : List.of("{not json", "{\"tool\":\"other\",\"first_seen\":{}}", "[1,2]", "")) {
            Path f = dir.resolve("state.json");
            Files.writeString(f, content);
            List<String> warnings = new ArrayList<>();
            StateFile s = new StateFile(f, warnings::add);
            assertEquals(7_000L, s.stamp(List.of(sock(1)), 7_000).get(0).firstSeenMs());
            s.save();
            assertEquals(1, warnings.size(), content + " -> " + warnings);
            assertTrue(warnings.get(0).startsWith("state file " + f), warnings.get(0));
            assertTrue(Files.readString(f).contains("\"tool\":\"hck\""), "rebuilt");
        }
    }

    @Test
    void socketsWithAKernelAgeNeedNoEntry() {
        Sock withInfo = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.1", 1, null), new Endpoint("10.0.0.2", 80, null),
                1, 0, 5, "ab", null, 10L, 10L, 10L, List.of(), null);
        assertFalse(StateFile.needs(withInfo));
        assertTrue(StateFile.needs(sock(1)));
    }
}

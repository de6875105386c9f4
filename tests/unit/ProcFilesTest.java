package hck.io;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ProcFilesTest {
    /** Regression: Files.readString gave "6" for a tcp_fin_timeout of 60 (proc_dointvec and offsets). */
    @Test
    void integerSysctlsAreReadWhole() throws Exception {
        Path p = Path.of("/proc/sys/net/ipv4/tcp_fin_timeout");
        String expected = new String(Files.newInputStream(p).readNBytes(64)).trim();
        assertTrue(expected.length() >= 1);
        assertEquals(expected, ProcFiles.read(p));
        assertEquals(new String(Files.newInputStream(Path.of("/proc/sys/kernel/pid_max")).readNBytes(64)).trim(),
                ProcFiles.read(Path.of("/proc/sys/kernel/pid_max")));
        assertTrue(ProcFiles.read(Path.of("/proc/sys/kernel/pid_max")).length() > 1, "pid_max has more than one digit");
    }
}

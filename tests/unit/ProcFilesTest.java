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

    /** The one /proc/PID/stat reader: fields after the last ')' whatever the name holds; kernel threads, zombies, this very process. */
    @Test
    void statFieldsAfterAHostileName() {
        ProcStat s = ProcStat.parse("4242 (my ) app (v2) ) Z 1 4242 4242 0 -1 2097216 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0");
        assertEquals('Z', s.state());
        assertTrue(s.ended());
        assertTrue(s.kernelThread(), "flags 0x200040 carry PF_KTHREAD");
        assertEquals(987654, s.startTicks());
        ProcStat self = ProcStat.read(ProcessHandle.current().pid());
        assertNotNull(self);
        assertFalse(self.kernelThread() || self.ended());
        assertTrue(self.startTicks() > 0);
        assertNull(ProcStat.read(Long.MAX_VALUE), "no such process: null, not an exception");
    }
}

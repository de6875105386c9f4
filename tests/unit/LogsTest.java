package hck.report;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The bulk per-socket lines are the seed's format byte for byte, in order with logback's, and obey the level. */
class LogsTest {
    static final String STAMP = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";

    @AfterEach
    void restore() {
        Logs.configure(ch.qos.logback.classic.Level.INFO, null);
    }

    /** Everything after the timestamp, which may tick between two lines. */
    static String tail(String line) {
        assertTrue(line.matches(STAMP + " - .*"), line);
        return line.substring(19);
    }

    @Test
    void bulkLinesAreWhatLogbackWrites() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Logs.configure(Level.INFO, file);
        String msg = "Hung connection detected: tcp CLOSE_WAIT [::ffff:127.0.0.1]:9000 -> [::ffff:127.0.0.1]:4711 (PID: 42, Process: my app (v2) é)";
        org.slf4j.LoggerFactory.getLogger("hck").warn(msg);
        Logs.Lines lines = Logs.lines();
        lines.warn(msg);
        org.slf4j.LoggerFactory.getLogger("hck").info("  Reason: {}", "x");
        lines.info("  Reason: x");
        Logs.flush();
        List<String> out = file.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, out.size(), out.toString());
        assertEquals(tail(out.get(0)), tail(out.get(1)));
        assertEquals(" - WARN - " + msg, tail(out.get(1)));
        assertEquals(tail(out.get(2)), tail(out.get(3)));
        assertEquals(" - INFO -   Reason: x", tail(out.get(3)));
    }

    @Test
    void bulkLinesBelowTheLevelAreDropped() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Logs.configure(Level.ERROR, file); // check mode
        Logs.Lines lines = Logs.lines();
        lines.warn("Hung connection detected: …");
        lines.info("  Reason: …");
        org.slf4j.LoggerFactory.getLogger("hck").error("an error");
        Logs.flush();
        List<String> out = file.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, out.size(), out.toString());
        assertEquals(" - ERROR - an error", tail(out.get(0)));
    }
}

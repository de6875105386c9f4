package hck.report;

import hck.support.Socks;

import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PrometheusTest {
    static Decision hung(String name, long pid, long ageMs, String netns) {
        Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.1", 4000, null), new Endpoint("10.0.0.2", 80, null), 1, 0, 7,
                "1", null, ageMs, ageMs, ageMs, List.of(new Owner(pid, 3, name)), null, netns);
        return new Decision(s, Verdict.HUNG, "r", Duration.ofSeconds(1), ageMs, AgeSource.TCP_INFO);
    }

    @Test
    void exposition(@TempDir Path dir) throws Exception {
        List<Decision> h = List.of(hung("we\"ird\\na\nme", 42, 75_250, null), hung("leaky", 7, 3_000, "pod-a"), hung("leaky", 7, 2_000, "pod-a"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Prometheus.write(out, new Prometheus.Run(h, h.stream().map(Decision::socket).toList(), Arrays.asList(null, "pod-a"), 120,
                5, 1, 1_800_000_000.25, 1_799_999_700.0, 0.412, 0, List.of(), List.of(), true));
        String text = out.toString();
        assertTrue(text.contains("hck_hung_connections{state=\"CLOSE_WAIT\",netns=\"\"} 1\n"), text);
        assertTrue(text.contains("hck_hung_connections{state=\"CLOSE_WAIT\",netns=\"pod-a\"} 2\n"), text);
        assertTrue(text.contains("hck_hung_connections{state=\"TIME_WAIT\",netns=\"pod-a\"} 0\n"), "zeros too");
        assertTrue(text.contains("hck_process_hung_connections{process=\"we\\\"ird\\\\na\\nme\",pid=\"42\"} 1\n"), "escaped: " + text);
        assertTrue(text.contains("hck_process_hung_connections{process=\"leaky\",pid=\"7\"} 2\n"), text);
        assertTrue(text.contains("hck_oldest_hung_age_seconds{state=\"CLOSE_WAIT\"} 75.25\n"), text);
        assertTrue(text.contains("hck_terminated_connections_total 5\n"));
        assertTrue(text.contains("hck_last_run_timestamp_seconds 1800000000.25\n"), "no exponent: " + text);
        assertTrue(text.contains("hck_last_run_duration_seconds 0.412\n"));
        assertTrue(text.contains("hck_stamps_active 1\n"), text);
        for (String line : text.split("\n")) {
            assertTrue(line.startsWith("# HELP hck_") || line.startsWith("# TYPE hck_") || line.matches("hck_\\w+(\\{.*})? -?[0-9.]+"), line);
        }
        Env.requireCommand("promtool");
        Path f = dir.resolve("hck.prom");
        Files.writeString(f, text);
        Netns.Result r = Netns.exec(List.of("sh", "-c", "promtool check metrics < " + f), 60);
        assertEquals(0, r.rc(), r.stdout() + r.stderr());
    }
}

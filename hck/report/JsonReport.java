package hck.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hck.decide.Decider;
import hck.decide.Decision;
import hck.model.Owner;
import hck.model.TcpSocket;
import hck.rules.Durations;

import java.io.IOException;
import java.io.OutputStream;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The JSON result document of SPEC.md, schema_version 1, written by streaming. */
public final class JsonReport {
    public static final int SCHEMA_VERSION = 1;
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonReport() {}

    public static void write(OutputStream out, RunInfo run, Summary sum, List<Summary.PerNetns> perNetns, List<Outcome> outcomes)
            throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.setPrettyPrinter(new OneLinePerEntry());
            g.writeStartObject();
            g.writeNumberField("schema_version", SCHEMA_VERSION);
            g.writeStringField("tool", "hck");
            g.writeStringField("version", run.version());
            g.writeStringField("host", run.host());
            g.writeStringField("mode", run.mode());
            g.writeStringField("started_at", run.startedAt().truncatedTo(ChronoUnit.SECONDS).toString());
            g.writeNumberField("duration_ms", run.durationMs());
            g.writeStringField("source", run.source());
            g.writeObjectFieldStart("kernel");
            g.writeStringField("release", run.kernel().release());
            g.writeFieldName("sock_destroy");
            if (run.kernel().sockDestroy() == null) g.writeNull(); else g.writeBoolean(run.kernel().sockDestroy());
            g.writeBooleanField("time_wait_destroy", run.kernel().timeWaitDestroy());
            g.writeBooleanField("orphan_destroy", run.kernel().orphanDestroy());
            g.writeEndObject();
            g.writeStringField("rules", run.rules());
            g.writeNumberField("parse_errors", run.parseErrors());
            g.writeObjectFieldStart("summary");
            counts(g, sum);
            g.writeArrayFieldStart("by_netns");
            for (Summary.PerNetns n : perNetns) {
                g.writeStartObject();
                g.writeStringField("netns", n.netns());
                counts(g, n.counts());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("connections");
            for (Outcome o : outcomes) connection(g, o);
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void counts(JsonGenerator g, Summary sum) throws IOException {
        g.writeNumberField("scanned", sum.scanned());
        g.writeNumberField("candidates", sum.candidates());
        g.writeNumberField("hung", sum.hung());
        g.writeNumberField("skipped", sum.skipped());
        g.writeNumberField("terminated", sum.terminated());
        g.writeNumberField("failed", sum.failed());
    }

    private static void connection(JsonGenerator g, Outcome o) throws IOException {
        Decision d = o.decision();
        TcpSocket s = d.socket();
        Owner owner = s.owner();
        g.writeStartObject();
        g.writeStringField("proto", s.proto());
        g.writeStringField("state", s.stateName());
        g.writeStringField("local", s.local().toString());
        g.writeStringField("remote", s.remote().toString());
        g.writeNumberField("local_port", s.local().port());
        g.writeNumberField("remote_port", s.remote().port());
        g.writeStringField("netns", s.netns());
        if (owner == null) {
            g.writeNullField("pid");
            g.writeNullField("process");
        } else {
            g.writeNumberField("pid", owner.pid());
            g.writeStringField("process", owner.name());
        }
        g.writeNumberField("inode", s.inode());
        g.writeStringField("cookie", s.cookie());
        g.writeFieldName("age_s");
        g.writeNumber(Decider.seconds(d.ageMs())); // one decimal, half up: the log's text, without three BigDecimals a socket
        g.writeStringField("age_source", d.ageSource() == null ? null : d.ageSource().json);
        if (d.timeout() == null) g.writeNullField("timeout_s"); else g.writeNumberField("timeout_s", Durations.seconds(d.timeout()));
        g.writeStringField("verdict", o.verdict().json());
        g.writeStringField("reason", o.reason());
        g.writeStringField("action", o.action());
        g.writeStringField("method", o.method());
        g.writeStringField("destroy_result", o.destroyResult());
        g.writeEndObject();
    }
}

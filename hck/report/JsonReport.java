package hck.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import hck.decide.Decider;
import hck.decide.Diagnosis;
import hck.decide.Decision;
import hck.model.Owner;
import hck.model.PortUse;
import hck.model.ProcessForecast;
import hck.model.TcpSocket;
import hck.rules.Durations;

import java.io.IOException;
import java.io.OutputStream;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The JSON result document (README "Output"), schema_version 1, written by streaming. */
public final class JsonReport {
    public static final int SCHEMA_VERSION = 1;
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonReport() {}

    public static void write(OutputStream out, RunInfo run, Summary sum, List<Summary.PerNetns> perNetns, List<Outcome> outcomes)
            throws IOException {
        write(out, run, sum, perNetns, List.of(), List.of(), outcomes);
    }

    /** With the forecasts: {@code processes} (holding hung sockets) and {@code ephemeral_ports} (destinations filling up). */
    public static void write(OutputStream out, RunInfo run, Summary sum, List<Summary.PerNetns> perNetns, List<ProcessForecast> processes,
                             List<PortUse> ports, List<Outcome> outcomes) throws IOException {
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
            g.writeArrayFieldStart("processes");
            for (ProcessForecast p : processes) process(g, p);
            g.writeEndArray();
            g.writeArrayFieldStart("ephemeral_ports");
            for (PortUse p : ports) ports(g, p);
            g.writeEndArray();
            g.writeArrayFieldStart("connections");
            for (Outcome o : outcomes) connection(g, o);
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void process(JsonGenerator g, ProcessForecast p) throws IOException {
        g.writeStartObject();
        g.writeNumberField("pid", p.pid());
        g.writeStringField("process", p.name());
        g.writeStringField("netns", p.netns());
        g.writeFieldName("open_fds");
        if (p.openFds() == null) g.writeNull(); else g.writeNumber(p.openFds());
        g.writeFieldName("fd_limit");
        if (p.fdLimit() == null) g.writeNull(); else g.writeNumber(p.fdLimit());
        g.writeObjectFieldStart("hung");
        for (var e : p.hung().entrySet()) g.writeNumberField(e.getKey().name(), e.getValue());
        g.writeEndObject();
        g.writeNumberField("hung_total", p.hungTotal());
        g.writeFieldName("hung_growth_per_hour");
        if (p.growthPerHour() == null) g.writeNull(); else g.writeNumber(Math.round(p.growthPerHour() * 10) / 10.0);
        g.writeFieldName("fd_exhaustion_eta_s");
        if (p.etaSeconds() == null) g.writeNull(); else g.writeNumber(Math.round(p.etaSeconds()));
        g.writeArrayFieldStart("remotes");
        for (ProcessForecast.Remote r : p.remotes()) {
            g.writeStartObject();
            g.writeStringField("remote", r.remote());
            g.writeNumberField("hung", r.hung());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void ports(JsonGenerator g, PortUse p) throws IOException {
        g.writeStartObject();
        g.writeStringField("netns", p.netns());
        g.writeStringField("local_ip", p.localIp());
        g.writeStringField("remote", p.remote());
        g.writeNumberField("in_use", p.inUse());
        g.writeNumberField("available", p.available());
        g.writeNumberField("percent", Math.round(p.percent() * 10) / 10.0);
        g.writeObjectFieldStart("states");
        for (var e : p.states().entrySet()) g.writeNumberField(e.getKey().name(), e.getValue());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void counts(JsonGenerator g, Summary sum) throws IOException {
        g.writeNumberField("scanned", sum.scanned());
        g.writeNumberField("candidates", sum.candidates());
        g.writeNumberField("hung", sum.hung());
        g.writeNumberField("skipped", sum.skipped());
        g.writeNumberField("terminated", sum.terminated());
        g.writeNumberField("failed", sum.failed());
    }

    /** The connection keys, encoded once: written 18 times a socket, 3.4M times at 190k. */
    private static final SerializedString PROTO = key("proto"), STATE = key("state"), LOCAL = key("local"), REMOTE = key("remote"),
            LOCAL_PORT = key("local_port"), REMOTE_PORT = key("remote_port"), NETNS = key("netns"), PID = key("pid"),
            PROCESS = key("process"), INODE = key("inode"), COOKIE = key("cookie"), AGE_S = key("age_s"), AGE_SOURCE = key("age_source"),
            TIMEOUT_S = key("timeout_s"), VERDICT = key("verdict"), REASON = key("reason"), ACTION = key("action"), METHOD = key("method"),
            DESTROY_RESULT = key("destroy_result"), DIAGNOSIS = key("diagnosis");

    private static SerializedString key(String name) {
        SerializedString k = new SerializedString(name);
        k.asQuotedUTF8(); // encode now, not at the first socket
        return k;
    }

    private static void connection(JsonGenerator g, Outcome o) throws IOException {
        Decision d = o.decision();
        TcpSocket s = d.socket();
        Owner owner = s.owner();
        g.writeStartObject();
        text(g, PROTO, s.proto());
        text(g, STATE, s.stateName());
        text(g, LOCAL, s.local().toString());
        text(g, REMOTE, s.remote().toString());
        g.writeFieldName(LOCAL_PORT);
        g.writeNumber(s.local().port());
        g.writeFieldName(REMOTE_PORT);
        g.writeNumber(s.remote().port());
        text(g, NETNS, s.netns());
        g.writeFieldName(PID);
        if (owner == null) g.writeNull(); else g.writeNumber(owner.pid());
        text(g, PROCESS, owner == null ? null : owner.name());
        g.writeFieldName(INODE);
        g.writeNumber(s.inode());
        text(g, COOKIE, s.cookie());
        g.writeFieldName(AGE_S);
        g.writeNumber(Durations.tenths(d.ageMs())); // one decimal, half up: the log's text, without three BigDecimals a socket
        text(g, AGE_SOURCE, d.ageSource() == null ? null : d.ageSource().json);
        g.writeFieldName(TIMEOUT_S);
        if (d.timeout() == null) g.writeNull(); else g.writeNumber(Durations.seconds(d.timeout()));
        text(g, VERDICT, o.verdict().json());
        text(g, REASON, o.reason());
        text(g, ACTION, o.action());
        text(g, METHOD, o.method());
        text(g, DESTROY_RESULT, o.destroyResult());
        Diagnosis why = Diagnosis.of(s);
        text(g, DIAGNOSIS, why == null ? null : why.json);
        g.writeEndObject();
    }

    private static void text(JsonGenerator g, SerializedString key, String value) throws IOException {
        g.writeFieldName(key);
        if (value == null) g.writeNull(); else g.writeString(value);
    }
}

package hck.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hck.model.Container;
import hck.model.Left;
import hck.model.PortUse;
import hck.model.ProcessForecast;

import java.io.IOException;
import java.io.OutputStream;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The JSON result document (docs/output.md), schema_version 1, written by streaming. */
public final class JsonReport {
    public static final int SCHEMA_VERSION = 1;
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonReport() {}

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
            if (run.stamps() != null) {
                g.writeObjectFieldStart("stamps");
                g.writeStringField("status", run.stamps().status());
                g.writeStringField("pin", run.stamps().pin());
                g.writeStringField("since", run.stamps().since() == null ? null : run.stamps().since().truncatedTo(ChronoUnit.MILLIS).toString());
                g.writeStringField("reason", run.stamps().reason());
                g.writeEndObject();
            }
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
            g.flush();
            JsonRows.write(out, outcomes); // its own encoder: the array is almost all of the document
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
        container(g, p.container());
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

    /** {@code "container": null} or {@code {"id", "name", "runtime", "pod": null | {"namespace", "name"}}}. */
    static void container(JsonGenerator g, Container c) throws IOException {
        g.writeFieldName("container");
        if (c == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeStringField("id", c.id());
        g.writeStringField("name", c.name());
        g.writeStringField("runtime", c.runtime());
        g.writeFieldName("pod");
        if (c.pod() == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            g.writeStringField("namespace", c.pod().namespace());
            g.writeStringField("name", c.pod().name());
            g.writeEndObject();
        }
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
        g.writeObjectFieldStart("left");
        for (Left why : Left.values()) g.writeNumberField(why.json, sum.left(why));
        g.writeEndObject();
    }
}

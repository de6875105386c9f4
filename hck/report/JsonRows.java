package hck.report;

import hck.decide.Decision;
import hck.decide.Diagnosis;
import hck.model.Container;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.rules.Durations;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code connections} array of the JSON document, one object a line, encoded straight to UTF-8
 * bytes: at scale this array is almost all of the document and was the run's longest step through
 * Jackson's generator (a pretty printer call and a char copy per value; docs/performance.md). The
 * values are {@link JsonBytes}'s, byte for byte what Jackson writes (JsonReportTest holds the two to
 * the same bytes), so the document is unchanged.
 */
final class JsonRows extends JsonBytes {
    private static final byte[] PROTO = key("{", "proto"), STATE = key(",", "state"), LOCAL = key(",", "local"),
            REMOTE = key(",", "remote"), LOCAL_PORT = key(",", "local_port"), REMOTE_PORT = key(",", "remote_port"),
            NETNS = key(",", "netns"), PID = key(",", "pid"), PROCESS = key(",", "process"), INODE = key(",", "inode"),
            COOKIE = key(",", "cookie"), AGE_S = key(",", "age_s"), AGE_SOURCE = key(",", "age_source"),
            TIMEOUT_S = key(",", "timeout_s"), VERDICT = key(",", "verdict"), REASON = key(",", "reason"),
            ACTION = key(",", "action"), METHOD = key(",", "method"), DESTROY_RESULT = key(",", "destroy_result"),
            DIAGNOSIS = key(",", "diagnosis"), LEFT = key(",", "left"),
            CONTAINER = key(",", "container"), ID = key("{", "id"), NAME = key(",", "name"), RUNTIME = key(",", "runtime"),
            POD = key(",", "pod"), NAMESPACE = key("{", "namespace"), CLOSE = ascii("}");
    private static final byte[] FIRST = ascii("\n    "), NEXT = ascii(",\n    "), END = ascii("\n  ");

    /** The last timeout seen and its text: every socket of a state shares one. */
    private Duration timeout;
    private byte[] timeoutText;

    private JsonRows(OutputStream out) {
        super(out);
    }

    /** The array's elements and the indentation before its closing bracket (none when empty). */
    static void write(OutputStream out, List<Outcome> outcomes) throws IOException {
        JsonRows rows = new JsonRows(out);
        for (int i = 0; i < outcomes.size(); i++) {
            rows.raw(i == 0 ? FIRST : NEXT);
            rows.row(outcomes.get(i));
        }
        if (!outcomes.isEmpty()) rows.raw(END);
        rows.flush();
    }

    /**
     * The last string a field wrote and its encoding: but for the reason and the cookie, a field
     * repeats a few instances row after row (states, actions, process names, shared addresses),
     * so most are copied as bytes rather than encoded again.
     */
    private static final class Memo {
        private String text, zone;
        private byte[] bytes;
    }

    private final Memo proto = new Memo(), state = new Memo(), local = new Memo(), remote = new Memo(), netns = new Memo(),
            process = new Memo(), ageSource = new Memo(), verdict = new Memo(), action = new Memo(), method = new Memo(),
            destroyResult = new Memo(), diagnosis = new Memo(), left = new Memo();

    private void row(Outcome o) throws IOException {
        Decision d = o.decision();
        Sock s = d.socket();
        Owner owner = s.owner();
        raw(PROTO);
        string(s.proto(), proto);
        raw(STATE);
        string(s.stateName(), state);
        raw(LOCAL);
        endpoint(s.local(), local);
        raw(REMOTE);
        endpoint(s.remote(), remote);
        raw(LOCAL_PORT);
        number(s.local().port());
        raw(REMOTE_PORT);
        number(s.remote().port());
        raw(NETNS);
        string(s.netns(), netns);
        raw(PID);
        if (owner == null) raw(NULL); else number(owner.pid());
        raw(PROCESS);
        string(owner == null ? null : owner.name(), process);
        raw(INODE);
        number(s.inode());
        raw(COOKIE);
        string(s.cookie());
        raw(AGE_S);
        tenths(d.ageMs());
        raw(AGE_SOURCE);
        string(d.ageSource() == null ? null : d.ageSource().json, ageSource);
        raw(TIMEOUT_S);
        if (d.timeout() == null) raw(NULL); else raw(timeoutText(d.timeout()));
        raw(VERDICT);
        string(o.verdict().json(), verdict);
        raw(REASON);
        string(o.reason());
        raw(ACTION);
        string(o.action().json, action);
        raw(METHOD);
        string(o.method() == null ? null : o.method().json, method);
        raw(DESTROY_RESULT);
        string(o.destroyResult(), destroyResult);
        Diagnosis why = Diagnosis.of(s);
        raw(DIAGNOSIS);
        string(why == null ? null : why.json, diagnosis);
        raw(LEFT);
        string(o.left() == null ? null : o.left().json, left);
        raw(CONTAINER);
        container(s.container());
        room(1);
        buf[at++] = '}';
    }

    /** As JsonReport writes a container: null, or its id, name, runtime and pod (null, or its namespace and name). */
    private void container(Container c) throws IOException {
        if (c == null) {
            raw(NULL);
            return;
        }
        raw(ID); string(c.id()); raw(NAME); string(c.name()); raw(RUNTIME); string(c.runtime()); raw(POD);
        if (c.pod() == null) raw(NULL); else { raw(NAMESPACE); string(c.pod().namespace()); raw(NAME); string(c.pod().name()); raw(CLOSE); }
        raw(CLOSE);
    }

    private byte[] timeoutText(Duration t) {
        if (!t.equals(timeout)) {
            timeout = t;
            timeoutText = ascii(Durations.seconds(t).toString());
        }
        return timeoutText;
    }

    /** As {@link Endpoint#toString}: {@code a.b.c.d:port}, {@code [addr]:port}, {@code [fe80::1%eth0]:22}. */
    private void endpoint(Endpoint e, Memo m) throws IOException {
        if (e.address() == m.text && e.zone() == m.zone) {
            raw(m.bytes);
        } else {
            room(6 * (e.address().length() + (e.zone() == null ? 0 : e.zone().length())) + 8); // all in the buffer: copied out
            int from = at;
            boolean v6 = e.ipv6();
            buf[at++] = '"';
            if (v6) buf[at++] = '[';
            chars(e.address());
            if (e.zone() != null) {
                buf[at++] = '%';
                chars(e.zone());
            }
            if (v6) buf[at++] = ']';
            buf[at++] = ':';
            m.text = e.address();
            m.zone = e.zone();
            m.bytes = Arrays.copyOfRange(buf, from, at);
        }
        number(e.port());
        room(1);
        buf[at++] = '"';
    }

    /** A string as the last one of its field was, or encoded (and kept) when it is another. */
    private void string(String s, Memo m) throws IOException {
        if (s == null) {
            raw(NULL);
        } else if (s == m.text) {
            raw(m.bytes);
        } else {
            room(6 * s.length() + 2); // all of it in the buffer: copied out from there
            int from = at;
            string(s);
            m.text = s;
            m.bytes = Arrays.copyOfRange(buf, from, at);
        }
    }

}

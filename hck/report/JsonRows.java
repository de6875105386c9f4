package hck.report;

import hck.decide.Decision;
import hck.decide.Diagnosis;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.rules.Durations;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code connections} array of the JSON document, one object a line, encoded straight to UTF-8
 * bytes: at scale this array is almost all of the document and was the run's longest step through
 * Jackson's generator (a pretty printer call and a char copy per value; README "Performance"). Strings are escaped as Jackson
 * escapes them (the five short escapes, a u00XX escape for other control characters and
 * a uXXXX one for each UTF-16 surrogate, UTF-8 for the rest; JsonReportTest holds the two to the
 * same bytes), so the document is unchanged.
 */
final class JsonRows {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = ascii("null");
    private static final byte[] PROTO = key("{", "proto"), STATE = key(",", "state"), LOCAL = key(",", "local"),
            REMOTE = key(",", "remote"), LOCAL_PORT = key(",", "local_port"), REMOTE_PORT = key(",", "remote_port"),
            NETNS = key(",", "netns"), PID = key(",", "pid"), PROCESS = key(",", "process"), INODE = key(",", "inode"),
            COOKIE = key(",", "cookie"), AGE_S = key(",", "age_s"), AGE_SOURCE = key(",", "age_source"),
            TIMEOUT_S = key(",", "timeout_s"), VERDICT = key(",", "verdict"), REASON = key(",", "reason"),
            ACTION = key(",", "action"), METHOD = key(",", "method"), DESTROY_RESULT = key(",", "destroy_result"),
            DIAGNOSIS = key(",", "diagnosis"), LEFT = key(",", "left");
    private static final byte[] FIRST = ascii("\n    "), NEXT = ascii(",\n    "), END = ascii("\n  ");

    private final OutputStream out;
    private byte[] buf = new byte[1 << 16];
    private char[] text = new char[256];
    private int at;
    /** The last timeout seen and its text: every socket of a state shares one. */
    private Duration timeout;
    private byte[] timeoutText;

    private JsonRows(OutputStream out) {
        this.out = out;
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
        room(1);
        buf[at++] = '}';
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

    /** A decimal age in tenths of a second, half up: {@link Durations#tenths}'s text. */
    private void tenths(long ms) throws IOException {
        long tenths = (ms + 50) / 100;
        if (tenths < 0 || tenths > Integer.MAX_VALUE) {
            number(tenths / 10);
            tenths %= 10;
        } else {
            int t = (int) tenths, whole = div10(t);
            number(whole);
            tenths = t - whole * 10;
        }
        room(2);
        buf[at++] = '.';
        buf[at++] = (byte) ('0' + tenths);
    }

    /**
     * {@code n / 10} for {@code 0 <= n <= Integer.MAX_VALUE}, by a multiplication: the JIT hck runs
     * with (C1) divides for real, and five numbers a row made the divisions a visible part of this
     * array's time.
     */
    private static int div10(int n) {
        return (int) ((n * 0xCCCCCCCDL) >>> 35);
    }

    private void number(long n) throws IOException {
        room(20);
        if (n < 0 || n > Integer.MAX_VALUE) {
            raw(ascii(Long.toString(n)));
            return;
        }
        int v = (int) n, digits = 1;
        for (int rest = div10(v); rest > 0; rest = div10(rest)) digits++;
        for (int i = at + digits - 1; i >= at; i--) {
            int q = div10(v);
            buf[i] = (byte) ('0' + v - q * 10);
            v = q;
        }
        at += digits;
    }

    private void string(String s) throws IOException {
        if (s == null) {
            raw(NULL);
            return;
        }
        room(1);
        buf[at++] = '"';
        chars(s);
        room(1);
        buf[at++] = '"';
    }

    /** A string's characters, escaped: at most 6 bytes each (a u00XX escape). */
    private void chars(String s) throws IOException {
        int n = s.length();
        room(6 * n);
        if (text.length < n) text = new char[n];
        s.getChars(0, n, text, 0); // one bulk copy: String.charAt per character was most of this loop
        char[] t = text;
        byte[] b = buf;
        int p = at;
        for (int i = 0; i < n; i++) {
            char c = t[i];
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                b[p++] = (byte) c;
            } else if (c < 0x80) {
                b[p++] = '\\';
                switch (c) {
                    case '"', '\\' -> b[p++] = (byte) c;
                    case '\b' -> b[p++] = 'b';
                    case '\t' -> b[p++] = 't';
                    case '\n' -> b[p++] = 'n';
                    case '\f' -> b[p++] = 'f';
                    case '\r' -> b[p++] = 'r';
                    default -> {
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                // each half of a pair (and a lone one) as an escape, as Jackson writes them
                b[p++] = '\\';
                b[p++] = 'u';
                b[p++] = HEX[c >> 12];
                b[p++] = HEX[c >> 8 & 0xF];
                b[p++] = HEX[c >> 4 & 0xF];
                b[p++] = HEX[c & 0xF];
            } else {
                b[p++] = (byte) (0xE0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        at = p;
    }

    private void raw(byte[] bytes) throws IOException {
        room(bytes.length);
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        at += bytes.length;
    }

    /** Room for {@code n} more bytes: the buffer written out, or grown for one very long string. */
    private void room(int n) throws IOException {
        if (at + n <= buf.length) return;
        flush();
        if (n > buf.length) buf = new byte[n];
    }

    private void flush() throws IOException {
        out.write(buf, 0, at);
        at = 0;
    }

    private static byte[] key(String before, String name) { return ascii(before + "\"" + name + "\":"); }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}

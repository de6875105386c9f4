package hck.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * JSON values encoded straight to UTF-8 bytes in a buffer written out as it fills: numbers, ages
 * in tenths, strings escaped as Jackson escapes them (the five short escapes, a u00XX escape for
 * other control characters and a uXXXX one for each UTF-16 surrogate, UTF-8 for the rest). The
 * mechanism under {@link JsonRows}, which lays the rows out.
 */
abstract class JsonBytes {
    static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NULL = ascii("null");

    final OutputStream out;
    byte[] buf = new byte[1 << 16];
    char[] text = new char[256];
    int at;

    JsonBytes(OutputStream out) {
        this.out = out;
    }

    /** A decimal age in tenths of a second, half up: {@link hck.rules.Durations#tenths}'s text. */
    void tenths(long ms) throws IOException {
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
    static int div10(int n) {
        return (int) ((n * 0xCCCCCCCDL) >>> 35);
    }

    void number(long n) throws IOException {
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

    void string(String s) throws IOException {
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
    void chars(String s) throws IOException {
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

    void raw(byte[] bytes) throws IOException {
        room(bytes.length);
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        at += bytes.length;
    }

    /** Room for {@code n} more bytes: the buffer written out, or grown for one very long string. */
    void room(int n) throws IOException {
        if (at + n <= buf.length) return;
        flush();
        if (n > buf.length) buf = new byte[n];
    }

    void flush() throws IOException {
        out.write(buf, 0, at);
        at = 0;
    }

    static byte[] key(String before, String name) { return ascii(before + "\"" + name + "\":"); }

    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}

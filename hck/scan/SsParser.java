package hck.scan;

import hck.model.Endpoint;
import hck.model.Retrans;
import hck.model.SocketTimer;
import hck.model.Sock;
import hck.model.TcpState;
import hck.model.UdpInfo;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code ss -tanoeiH} output (optionally with {@code -p}), line by line. A socket is a main
 * line starting at column 0, optionally followed by an indented tcp_info line. Lines that do not
 * parse are counted and skipped, never fatal.
 */
public final class SsParser {
    private static final Pattern TIMER = Pattern.compile("timer:\\(([a-z_]+),([^,]*),(\\d+)\\)");
    private static final Pattern MS_TIMER = Pattern.compile("(?:(\\d+)min)?(?:(\\d+)(sec|\\.))?(?:(\\d+)ms)?");

    private final Consumer<Sock> sink;
    private final boolean udp;
    private Builder current;
    private long badLines;

    public SsParser(Consumer<Sock> sink) {
        this(sink, false);
    }

    /** @param udp parsing {@code ss -uanemH}: sockets get {@link UdpInfo} with the skmem drop counter */
    public SsParser(Consumer<Sock> sink, boolean udp) {
        this.sink = sink;
        this.udp = udp;
    }

    public long badLines() {
        return badLines;
    }


    public void line(String line) {
        if (line.isBlank()) return;
        if (Character.isWhitespace(line.charAt(0))) {
            try {
                if (current != null) current.info(line);
            } catch (RuntimeException e) {
                bad(line);
            }
            return;
        }
        flush();
        try {
            current = parseMain(line);
        } catch (RuntimeException e) {
            current = null;
            bad(line);
        }
    }

    /** Emits the last socket; call once at the end of the input. */
    public void finish() {
        flush();
    }

    private void flush() {
        if (current != null) {
            Sock s = current.build();
            sink.accept(udp ? s.withUdp(new UdpInfo(current.drops, null)) : s);
        }
        current = null;
    }

    private void bad(String line) {
        badLines++;
    }

    private static Builder parseMain(String line) {
        int[] pos = {0};
        String stateLabel = token(line, pos);
        TcpState state = TcpState.fromSsLabel(stateLabel);
        if (state == null) throw new IllegalArgumentException("state " + stateLabel);
        Builder b = new Builder(state);
        b.recvQ = Long.parseLong(token(line, pos));
        b.sendQ = Long.parseLong(token(line, pos));
        b.local = endpoint(token(line, pos));
        b.remote = endpoint(token(line, pos));
        // ss prints the bound interface once, after the local address; a link-local peer is
        // reached through that same interface, so its address gets the zone too.
        if (b.local.zone() != null && b.remote.zone() == null && b.remote.address().startsWith("fe80:")) {
            b.remote = new Endpoint(b.remote.address(), b.remote.port(), b.local.zone());
        }
        skipSpaces(line, pos);
        String tok;
        while (!(tok = token(line, pos)).isEmpty()) {
            if (tok.startsWith("timer:(")) {
                b.timer = timer(tok);
            } else if (tok.startsWith("ino:")) {
                b.inode = Long.parseLong(tok.substring(4));
            } else if (tok.startsWith("sk:")) {
                b.cookie = tok.substring(3);
            }
        }
        return b;
    }

    static SocketTimer timer(String tok) {
        Matcher m = TIMER.matcher(tok);
        if (!m.matches()) throw new IllegalArgumentException("timer " + tok);
        return new SocketTimer(m.group(1), parseMsTimer(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** The inverse of ss's print_ms_timer: {@code 1min23sec}, {@code 57sec}, {@code 5.123ms}, {@code 350ms}, empty. */
    static long parseMsTimer(String s) {
        Matcher m = MS_TIMER.matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("timer value " + s);
        long ms = 0;
        if (m.group(1) != null) ms += Long.parseLong(m.group(1)) * 60_000;
        if (m.group(2) != null) ms += Long.parseLong(m.group(2)) * 1000;
        if (m.group(4) != null) ms += Long.parseLong(m.group(4));
        return ms;
    }

    /** {@code 1.2.3.4:80}, {@code [::1]:80}, {@code [fe80::1]%eth0:22}, {@code 10.0.0.1%eth0:80}, {@code *:*}. */
    static Endpoint endpoint(String tok) {
        int colon = tok.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("address " + tok);
        String portText = tok.substring(colon + 1);
        int port = portText.equals("*") ? 0 : Integer.parseInt(portText);
        String host = tok.substring(0, colon);
        String zone = null;
        int pct = host.lastIndexOf('%');
        if (pct > 0 && pct > host.lastIndexOf(']')) {
            zone = host.substring(pct + 1);
            host = host.substring(0, pct);
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]")) throw new IllegalArgumentException("address " + tok);
            host = host.substring(1, host.length() - 1);
            int inner = host.indexOf('%');
            if (inner > 0) {
                zone = host.substring(inner + 1);
                host = host.substring(0, inner);
            }
        } else if (host.equals("*")) {
            // ss prints '*' only for the any-address of an AF_INET6 socket (inet_addr_print)
            host = "::";
        } else if (host.indexOf(':') >= 0 || host.chars().filter(c -> c == '.').count() != 3) {
            throw new IllegalArgumentException("address " + tok);
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + tok);
        return new Endpoint(host, port, zone);
    }

    private static void skipSpaces(String s, int[] pos) {
        int p = pos[0];
        while (p < s.length() && Character.isWhitespace(s.charAt(p))) p++;
        pos[0] = p;
    }

    private static String token(String s, int[] pos) {
        skipSpaces(s, pos);
        int start = pos[0];
        int p = start;
        while (p < s.length() && !Character.isWhitespace(s.charAt(p))) p++;
        pos[0] = p;
        return s.substring(start, p);
    }

    private static final class Builder {
        final TcpState state;
        long recvQ, sendQ, inode = -1;
        Endpoint local, remote;
        String cookie;
        SocketTimer timer;
        Long lastSnd, lastRcv, lastAck;
        Double rtoMs;
        int backoff;
        long drops;
        boolean tcpInfo;

        Builder(TcpState state) {
            this.state = state;
        }

        /** ss prints lastsnd/lastrcv/lastack only when non-zero; any tcp_info field means they are 0. */
        void info(String line) {
            int[] pos = {0};
            String tok;
            while (!(tok = token(line, pos)).isEmpty()) {
                if (tok.startsWith("lastsnd:")) lastSnd = Long.parseLong(tok.substring(8));
                else if (tok.startsWith("lastrcv:")) lastRcv = Long.parseLong(tok.substring(8));
                else if (tok.startsWith("lastack:")) lastAck = Long.parseLong(tok.substring(8));
                else if (tok.startsWith("rto:")) {
                    tcpInfo = true;
                    rtoMs = Double.parseDouble(tok.substring(4));
                } else if (tok.startsWith("backoff:")) backoff = Integer.parseInt(tok.substring(8));
                else if (tok.startsWith("mss:") || tok.startsWith("cwnd:")) tcpInfo = true;
                else if (tok.startsWith("skmem:(")) drops = skmemDrops(tok);
            }
        }

        /** {@code skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d3)}: d is the drop counter (sk_drops). */
        static long skmemDrops(String tok) {
            for (String f : tok.substring(7, tok.length() - 1).split(",")) {
                if (f.startsWith("d") && f.length() > 1 && Character.isDigit(f.charAt(1))) return Long.parseLong(f.substring(1));
            }
            return 0;
        }

        Sock build() {
            boolean info = tcpInfo || lastAck != null || lastSnd != null || lastRcv != null;
            // tcpi_retransmits is what the timer's third field shows (idiag_retrans) while the retransmit timer is on
            Retrans r = rtoMs == null ? null
                    : new Retrans(timer != null && "on".equals(timer.name()) ? timer.retransmits() : 0, backoff, Math.round(Math.floor(rtoMs)));
            return new Sock(state, local, remote, recvQ, sendQ, Math.max(inode, 0), cookie, timer,
                    info ? new Sock.TcpInfo(orZero(lastSnd), orZero(lastRcv), orZero(lastAck), r, null) : null, null, null);
        }

        private static long orZero(Long v) {
            return v == null ? 0L : v;
        }
    }
}

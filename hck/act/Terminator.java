package hck.act;

import hck.sys.SockDiag;
import hck.sys.KernelInfo;
import hck.sys.LibC;
import hck.sys.Signals;

import hck.model.TcpSocket;
import hck.rules.Rules;
import org.slf4j.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Live mode: tries the rules' termination methods in order on the hung sockets still standing,
 * and after each method looks again (a rescan) before it calls anything terminated. A kill names
 * one socket: the kernel destroy goes by family, 4-tuple, interface and cookie after an exact
 * lookup confirmed the state; the shutdown goes through the owner's very fd, checked by cookie.
 */
public final class Terminator {
    /** Scans the watched states again, for verification. */
    public interface Rescan {
        List<TcpSocket> scan() throws IOException;
    }

    public static final String SOCKET = "socket", SOCKET_DESTROY = "socket-destroy", SOCKET_SHUTDOWN = "socket-shutdown",
            SIGNAL = "signal";

    private final Rules.Termination term;
    private final KernelInfo kernel;
    private final Rescan rescan;
    private final Logger log;
    private final long selfPid;
    private final Map<TcpSocket, Result> done = new IdentityHashMap<>();
    private final Map<TcpSocket, List<String>> notes = new IdentityHashMap<>();
    /** The kernel's last answer about each socket: to SOCK_DESTROY, or to the exact lookup before it. */
    private final Map<TcpSocket, String> answers = new IdentityHashMap<>();

    public Terminator(Rules.Termination term, KernelInfo kernel, Rescan rescan, Logger log, long selfPid) {
        this.term = term;
        this.kernel = kernel;
        this.rescan = rescan;
        this.log = log;
        this.selfPid = selfPid;
    }

    public Map<TcpSocket, Result> terminate(List<TcpSocket> hung) throws IOException {
        List<TcpSocket> pending = new ArrayList<>();
        for (TcpSocket s : hung) {
            String why = kernel.cannotDestroy(s, term.oldKernelOrphans());
            if (why == null) pending.add(s); else done.put(s, Result.gone(why));
        }
        for (String method : term.methods()) {
            if (pending.isEmpty() || Signals.stopRequested() != null) break;
            switch (method) {
                case SOCKET -> pending = verify(shutdown(verify(destroy(pending), SOCKET_DESTROY)), SOCKET_SHUTDOWN);
                case SOCKET_DESTROY -> pending = verify(destroy(pending), SOCKET_DESTROY);
                case SOCKET_SHUTDOWN -> pending = verify(shutdown(pending), SOCKET_SHUTDOWN);
                case SIGNAL -> pending = new Signaller(term, log, selfPid, this::note, done).signal(pending, this::verifyMap);
                default -> throw new IllegalStateException("unknown method " + method);
            }
        }
        for (TcpSocket s : pending) {
            if (done.containsKey(s)) continue;
            if (Signals.stopRequested() != null && !notes.containsKey(s)) {
                done.put(s, Result.stopped(Signals.stopRequested()));
                continue;
            }
            List<String> why = notes.getOrDefault(s, List.of("no termination method applied"));
            done.put(s, Result.failed(String.join("; ", why)));
        }
        Map<TcpSocket, Result> out = new LinkedHashMap<>();
        for (TcpSocket s : hung) {
            Result r = done.get(s);
            String answer = answers.get(s);
            out.put(s, answer == null ? r : r.withDestroyResult(answer));
        }
        return out;
    }

    void note(TcpSocket s, String why) {
        notes.computeIfAbsent(s, k -> new ArrayList<>()).add(why);
    }

    /** What a method claims: socket → method name, before verification. */
    private final Map<TcpSocket, String> claimed = new IdentityHashMap<>();

    private List<TcpSocket> destroy(List<TcpSocket> pending) {
        if (!Boolean.TRUE.equals(kernel.sockDestroy())) {
            for (TcpSocket s : pending) note(s, kernel.sockDestroy() == null ? "SOCK_DESTROY could not be probed"
                    : "the kernel has no SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY)");
            return pending;
        }
        List<TcpSocket> rest = new ArrayList<>();
        try (SockDiag diag = SockDiag.open()) {
            List<TcpSocket> asked = new ArrayList<>();
            List<SockDiag.Id> ids = new ArrayList<>();
            List<TcpSocket> confirmed = new ArrayList<>();
            List<SockDiag.Id> exact = new ArrayList<>();
            for (TcpSocket s : pending) {
                try {
                    SockDiag.Id id = SockDiag.Id.of(s);
                    if (s.udp() == null) {
                        ids.add(id);
                        asked.add(s);
                    } else if (s.cookie() != null) {
                        // UDP has no state to confirm: the cookie alone names the socket
                        confirmed.add(s);
                        exact.add(id);
                    } else {
                        note(s, "a UDP socket is destroyed only by its cookie, which the /proc source does not give");
                        rest.add(s);
                    }
                } catch (IOException e) {
                    note(s, e.getMessage());
                    rest.add(s);
                }
            }
            Object[] found = diag.lookup(ids);
            for (int i = 0; i < asked.size(); i++) {
                TcpSocket s = asked.get(i);
                if (found[i] instanceof Integer errno) {
                    answers.put(s, LibC.errnoName(errno));
                    if (errno == LibC.ENOENT || errno == LibC.ESTALE) {
                        done.put(s, Result.gone("closed by itself before hck got to it"));
                    } else {
                        note(s, "exact lookup failed: " + LibC.errnoName(errno));
                        rest.add(s);
                    }
                    continue;
                }
                SockDiag.Found f = (SockDiag.Found) found[i];
                if (f.state() != s.state()) {
                    done.put(s, Result.gone("changed to " + f.state() + " before hck got to it"));
                } else if (s.cookie() == null && !s.orphan() && f.inode() != s.inode()) {
                    done.put(s, Result.gone("a new socket reuses its 4-tuple: left alone"));
                } else {
                    confirmed.add(s);
                    exact.add(ids.get(i).withCookie(f.cookie()));
                }
            }
            // both ends of a connection on this host and both hung: destroying the end that answers
            // with an RST closes the other too, so that one waits, and is looked up again after
            Map<String, TcpSocket> byTuple = new HashMap<>();
            for (TcpSocket s : confirmed) if (s.udp() == null) byTuple.put(s.local() + " " + s.remote(), s);
            Map<TcpSocket, TcpSocket> peerOf = new IdentityHashMap<>();
            List<TcpSocket> first = new ArrayList<>(), waiting = new ArrayList<>();
            List<SockDiag.Id> firstIds = new ArrayList<>(), waitingIds = new ArrayList<>();
            Set<TcpSocket> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < confirmed.size(); i++) {
                TcpSocket s = confirmed.get(i);
                TcpSocket peer = s.udp() == null ? byTuple.get(s.remote() + " " + s.local()) : null;
                if (peer != null) peerOf.put(s, peer);
                if (peer != null && chosen.contains(peer) && sendsReset(peer)) {
                    waiting.add(s);
                    waitingIds.add(exact.get(i));
                } else {
                    chosen.add(s);
                    first.add(s);
                    firstIds.add(exact.get(i));
                }
            }
            Set<TcpSocket> destroyed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            answered(first, diag.destroy(firstIds), peerOf, destroyed, rest);
            if (!waiting.isEmpty()) {
                Object[] again = diag.lookup(waitingIds);
                List<TcpSocket> second = new ArrayList<>();
                List<SockDiag.Id> secondIds = new ArrayList<>();
                for (int i = 0; i < waiting.size(); i++) {
                    TcpSocket s = waiting.get(i);
                    if (again[i] instanceof Integer errno && (errno == LibC.ENOENT || errno == LibC.ESTALE)) {
                        answers.put(s, LibC.errnoName(errno));
                        done.put(s, Result.viaPeer(peerOf.get(s).describe()));
                    } else {
                        second.add(s);
                        secondIds.add(waitingIds.get(i));
                    }
                }
                answered(second, diag.destroy(secondIds), peerOf, destroyed, rest);
            }
        } catch (IOException e) {
            Set<TcpSocket> inRest = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            inRest.addAll(rest);
            for (TcpSocket s : pending) if (!done.containsKey(s) && !claimed.containsKey(s) && !inRest.contains(s)) {
                note(s, e.getMessage());
                rest.add(s);
            }
        }
        rest.addAll(claimedOf(pending, SOCKET_DESTROY));
        return rest;
    }

    /**
     * The kernel's answers to one batch of destroys. A socket already gone whose peer on this host
     * hck destroyed (in this batch or before) was closed by that peer's RST: hck's doing.
     */
    private void answered(List<TcpSocket> batch, int[] rc, Map<TcpSocket, TcpSocket> peerOf, Set<TcpSocket> destroyed, List<TcpSocket> rest) {
        for (int i = 0; i < batch.size(); i++) if (rc[i] == 0) destroyed.add(batch.get(i));
        for (int i = 0; i < batch.size(); i++) {
            TcpSocket s = batch.get(i);
            answers.put(s, LibC.errnoName(rc[i]));
            TcpSocket peer = peerOf.get(s);
            switch (rc[i]) {
                case 0 -> claimed.put(s, SOCKET_DESTROY);
                case LibC.ENOENT, LibC.ESTALE -> done.put(s, peer != null && destroyed.contains(peer)
                        ? Result.viaPeer(peer.describe()) : Result.gone("closed by itself before hck got to it"));
                case LibC.EOPNOTSUPP -> {
                    note(s, "the kernel refused SOCK_DESTROY for this " + s.state() + " socket (EOPNOTSUPP)");
                    rest.add(s);
                }
                case LibC.EPERM -> {
                    note(s, "SOCK_DESTROY needs CAP_NET_ADMIN in the socket's namespace (EPERM)");
                    rest.add(s);
                }
                default -> {
                    note(s, "SOCK_DESTROY failed: " + LibC.errnoName(rc[i]));
                    rest.add(s);
                }
            }
        }
    }

    /** tcp_abort answers with an RST in these states (tcp_need_reset), which closes a peer on this host too. */
    private static boolean sendsReset(TcpSocket s) {
        if (s.timer() != null && s.timer().timewait()) return false;
        return s.state() == hck.model.TcpState.CLOSE_WAIT || s.state() == hck.model.TcpState.FIN_WAIT1
                || s.state() == hck.model.TcpState.FIN_WAIT2;
    }

    private List<TcpSocket> shutdown(List<TcpSocket> pending) {
        List<TcpSocket> rest = new ArrayList<>();
        for (TcpSocket s : pending) {
            if (claimed.containsKey(s)) {
                rest.add(s);
                continue;
            }
            String why = ShutdownMethod.shutdown(s);
            if (why == null) claimed.put(s, SOCKET_SHUTDOWN); else note(s, "socket-shutdown: " + why);
            rest.add(s);
        }
        return rest;
    }

    private List<TcpSocket> claimedOf(List<TcpSocket> pending, String method) {
        List<TcpSocket> out = new ArrayList<>();
        for (TcpSocket s : pending) if (method.equals(claimed.get(s))) out.add(s);
        return out;
    }

    /** Looks again: sockets claimed by {@code method} and gone are terminated; the rest stay pending. */
    private List<TcpSocket> verify(List<TcpSocket> pending, String method) throws IOException {
        Map<TcpSocket, String> claims = new IdentityHashMap<>();
        for (TcpSocket s : pending) if (method.equals(claimed.get(s))) claims.put(s, method);
        Set<TcpSocket> still = verifyMap(claims);
        List<TcpSocket> rest = new ArrayList<>();
        for (TcpSocket s : pending) {
            if (!claims.containsKey(s)) {
                rest.add(s);
            } else if (still.contains(s)) {
                claimed.remove(s);
                note(s, method + " reported success but the socket is still there"
                        + (s.state() == hck.model.TcpState.TIME_WAIT ? " (TIME_WAIT can be destroyed from Linux 6.0)"
                        : s.orphan() ? " (orphans are really closed from Linux 6.11)" : ""));
                rest.add(s);
            } else {
                done.put(s, Result.terminated(method));
            }
        }
        return rest;
    }

    /**
     * Rescans until every claimed socket is gone or about two seconds passed; returns those still
     * present in their hung state or a later one (identity: cookie, else inode + 4-tuple).
     */
    Set<TcpSocket> verifyMap(Map<TcpSocket, String> claims) throws IOException {
        Set<TcpSocket> still = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        if (claims.isEmpty()) return still;
        for (int round = 0; ; round++) {
            still.clear();
            Map<String, TcpSocket> now = new HashMap<>();
            for (TcpSocket c : rescan.scan()) now.put(identity(c), c);
            for (TcpSocket s : claims.keySet()) if (now.containsKey(identity(s))) still.add(s);
            if (still.isEmpty() || round >= 10) return still;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return still;
            }
        }
    }

    private static String identity(TcpSocket s) {
        return s.cookie() != null ? "sk:" + s.cookie() : s.inode() + " " + s.local() + " " + s.remote();
    }
}

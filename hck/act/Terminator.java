package hck.act;

import hck.sys.KernelInfo;
import hck.sys.Signals;

import hck.model.KillMethod;
import hck.model.Left;
import hck.model.Sock;
import hck.model.TcpState;
import hck.rules.Rules;
import org.slf4j.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
        List<Sock> scan() throws IOException;

        /** The cookies of every watched socket now, sorted; null where the source gives none (then {@link #scan} is used). */
        default long[] cookies() throws IOException {
            return null;
        }
    }

    private final Rules.Termination term;
    private final KernelInfo kernel;
    private final Rescan rescan;
    private final Logger log;
    private final long selfPid;
    private final Ledger ledger = new Ledger();
    private final Map<Sock, Result> done = ledger.done;
    private final Map<Sock, KillMethod> claimed = ledger.claimed;

    public Terminator(Rules.Termination term, KernelInfo kernel, Rescan rescan, Logger log, long selfPid) {
        this.term = term;
        this.kernel = kernel;
        this.rescan = rescan;
        this.log = log;
        this.selfPid = selfPid;
    }

    /**
     * Every hung socket's result. A failure of the kernel or of a rescan part way (netlink, no
     * file descriptor left) does not lose what was done: the sockets not settled by then end
     * {@code failed} with the failure named, and the ERROR line says what failed.
     */
    public Map<Sock, Result> terminate(List<Sock> hung) {
        List<Sock> pending = new ArrayList<>();
        for (Sock s : hung) {
            String why = kernel.cannotDestroy(s, term.oldKernelOrphans());
            if (why == null) pending.add(s); else done.put(s, Result.notAttempted(Left.KERNEL_POLICY, why));
        }
        try {
            for (Rules.Termination.Method method : term.methods()) {
                if (pending.isEmpty() || Signals.stopRequested() != null) break;
                pending = switch (method) {
                    case SOCKET -> verify(shutdown(verify(new DestroyMethod(kernel, ledger).destroy(pending), KillMethod.SOCKET_DESTROY)),
                            KillMethod.SOCKET_SHUTDOWN);
                    case SOCKET_DESTROY -> verify(new DestroyMethod(kernel, ledger).destroy(pending), KillMethod.SOCKET_DESTROY);
                    case SOCKET_SHUTDOWN -> verify(shutdown(pending), KillMethod.SOCKET_SHUTDOWN);
                    case SIGNAL -> new Signaller(term, log, selfPid, ledger::note, done).signal(pending, this::verifyMap);
                };
            }
        } catch (IOException e) {
            log.error("Live mode could not finish: {}; the sockets it had not verified gone count as failed", e.getMessage());
            for (Sock s : pending) {
                KillMethod claim = claimed.get(s);
                ledger.note(s, (claim == null ? "" : claim.json + " was answered, but ") + "the run could not finish: " + e.getMessage());
            }
        }
        for (Sock s : pending) {
            if (done.containsKey(s)) continue;
            if (Signals.stopRequested() != null && !ledger.notes.containsKey(s)) {
                done.put(s, Result.stopped(Signals.stopRequested()));
                continue;
            }
            List<String> why = ledger.notes.getOrDefault(s, List.of("no termination method applied"));
            done.put(s, Result.failed(String.join("; ", why)));
        }
        Map<Sock, Result> out = new IdentityHashMap<>(); // by identity: a record's hash reads every component, owners included
        for (Sock s : hung) {
            Result r = done.get(s);
            String answer = ledger.answers.get(s);
            out.put(s, answer == null ? r : r.withDestroyResult(answer));
        }
        return out;
    }

    private List<Sock> shutdown(List<Sock> pending) {
        List<Sock> rest = new ArrayList<>();
        for (Sock s : pending) {
            if (claimed.containsKey(s)) {
                rest.add(s);
                continue;
            }
            String why = ShutdownMethod.shutdown(s);
            if (why == null) claimed.put(s, KillMethod.SOCKET_SHUTDOWN); else ledger.note(s, KillMethod.SOCKET_SHUTDOWN.json + ": " + why);
            rest.add(s);
        }
        return rest;
    }

    /** Looks again: sockets claimed by {@code method} and gone are terminated; the rest stay pending. */
    private List<Sock> verify(List<Sock> pending, KillMethod method) throws IOException {
        Map<Sock, KillMethod> claims = new IdentityHashMap<>();
        for (Sock s : pending) if (claimed.get(s) == method) claims.put(s, method);
        Set<Sock> still = verifyMap(claims);
        List<Sock> rest = new ArrayList<>();
        for (Sock s : pending) {
            if (!claims.containsKey(s)) {
                rest.add(s);
            } else if (still.contains(s)) {
                claimed.remove(s);
                ledger.note(s, method.json + " reported success but the socket is still there"
                        + (s.state() == TcpState.TIME_WAIT ? " (TIME_WAIT can be destroyed from Linux 6.0)"
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
    Set<Sock> verifyMap(Map<Sock, KillMethod> claims) throws IOException {
        Set<Sock> still = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        if (claims.isEmpty()) return still;
        for (int round = 0; ; round++) {
            still.clear();
            if (stillByCookie(claims.keySet(), still)) {
                if (still.isEmpty() || round >= 10) return still;
                sleep();
                continue;
            }
            // the claimed identities, then one pass over the rescan: no map of every socket it found
            Map<String, Sock> wanted = new HashMap<>(claims.size() * 2);
            for (Sock s : claims.keySet()) wanted.put(identity(s), s);
            for (Sock c : rescan.scan()) {
                Sock s = wanted.get(identity(c));
                if (s != null) still.add(s);
            }
            if (still.isEmpty() || round >= 10) return still;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return still;
            }
        }
    }

    /**
     * Where every claimed socket has a cookie and the source lists cookies alone (netlink, without
     * tcp_info): a sorted array of the cookies present, searched for each claim — no socket objects
     * for the 190k the rescan sees. @return false when this cannot be used
     */
    private boolean stillByCookie(java.util.Set<Sock> claimed, Set<Sock> still) throws IOException {
        for (Sock s : claimed) if (s.cookie() == null) return false;
        long[] present = rescan.cookies();
        if (present == null) return false;
        for (Sock s : claimed) {
            if (java.util.Arrays.binarySearch(present, Long.parseUnsignedLong(s.cookie(), 16)) >= 0) still.add(s);
        }
        return true;
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The cookie's own string when there is one (hex, no space: never equal to the other form); else inode and 4-tuple. */
    private static String identity(Sock s) {
        return s.cookie() != null ? s.cookie() : s.inode() + " " + s.local() + " " + s.remote();
    }
}

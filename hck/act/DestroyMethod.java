package hck.act;

import hck.model.Endpoint;
import hck.model.KillMethod;
import hck.model.Sock;
import hck.model.TcpState;
import hck.sys.KernelInfo;
import hck.sys.LibC;
import hck.sys.SockDiag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The socket-destroy method: each hung socket looked up exactly (family, 4-tuple, interface), its
 * state confirmed, then destroyed by SOCK_DESTROY with the cookie the lookup gave, so that a new
 * socket reusing the 4-tuple is never hit; every kernel answer kept for the record.
 */
final class DestroyMethod {
    private final KernelInfo kernel;
    private final Ledger ledger;

    DestroyMethod(KernelInfo kernel, Ledger ledger) {
        this.kernel = kernel;
        this.ledger = ledger;
    }

    /** @return the sockets still pending: claimed as destroyed (to verify) or not destroyable here */
    List<Sock> destroy(List<Sock> pending) {
        if (!Boolean.TRUE.equals(kernel.sockDestroy())) {
            for (Sock s : pending) ledger.note(s, kernel.sockDestroy() == null ? "SOCK_DESTROY could not be probed"
                    : "the kernel has no SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY)");
            return pending;
        }
        List<Sock> rest = new ArrayList<>();
        try (SockDiag diag = SockDiag.open()) {
            Batch confirmed = confirm(diag, pending, rest);
            destroyPairs(diag, confirmed, rest);
        } catch (IOException e) {
            Set<Sock> inRest = Collections.newSetFromMap(new IdentityHashMap<>());
            inRest.addAll(rest);
            for (Sock s : pending) if (!ledger.done.containsKey(s) && !ledger.claimed.containsKey(s) && !inRest.contains(s)) {
                ledger.note(s, e.getMessage());
                rest.add(s);
            }
        }
        rest.addAll(ledger.claimedBy(pending, KillMethod.SOCKET_DESTROY));
        return rest;
    }

    private record Tuple(Endpoint local, Endpoint remote) {}

    /** Sockets and the ids the kernel knows them by, index for index. */
    private record Batch(List<Sock> sockets, List<SockDiag.Id> ids) {
        Batch() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        void add(Sock s, SockDiag.Id id) {
            sockets.add(s);
            ids.add(id);
        }
    }

    /**
     * The exact lookup: a TCP socket still in its hung state (and, without a cookie, still on its
     * inode) is confirmed with the cookie the kernel gave; one gone or changed is settled here.
     */
    private Batch confirm(SockDiag diag, List<Sock> pending, List<Sock> rest) throws IOException {
        Batch asked = new Batch(), confirmed = new Batch();
        for (Sock s : pending) {
            try {
                SockDiag.Id id = SockDiag.Id.of(s);
                if (s.udp() == null) {
                    asked.add(s, id);
                } else if (s.cookie() != null) {
                    confirmed.add(s, id); // UDP has no state to confirm: the cookie alone names the socket
                } else {
                    ledger.note(s, "a UDP socket is destroyed only by its cookie, which the /proc source does not give");
                    rest.add(s);
                }
            } catch (IOException e) {
                ledger.note(s, e.getMessage());
                rest.add(s);
            }
        }
        SockDiag.Answer[] found = diag.lookup(asked.ids());
        for (int i = 0; i < asked.sockets().size(); i++) {
            Sock s = asked.sockets().get(i);
            if (!(found[i] instanceof SockDiag.Found f)) {
                SockDiag.Errno errno = (SockDiag.Errno) found[i];
                ledger.answers.put(s, LibC.errnoName(errno.value()));
                if (errno.noSuchSocket()) {
                    ledger.done.put(s, Result.gone("closed by itself before hck got to it"));
                } else {
                    ledger.note(s, "exact lookup failed: " + LibC.errnoName(errno.value()));
                    rest.add(s);
                }
            } else if (f.state() != s.state()) {
                ledger.done.put(s, Result.gone("changed to " + f.state() + " before hck got to it"));
            } else if (s.cookie() == null && !s.orphan() && f.inode() != s.inode()) {
                ledger.done.put(s, Result.gone("a new socket reuses its 4-tuple: left alone"));
            } else {
                confirmed.add(s, asked.ids().get(i).withCookie(f.cookie()));
            }
        }
        return confirmed;
    }

    /**
     * Both ends of a connection on this host and both hung: destroying the end that answers with an
     * RST closes the other too, so that one waits, and is looked up again after.
     */
    private void destroyPairs(SockDiag diag, Batch confirmed, List<Sock> rest) throws IOException {
        // keyed by the two endpoints themselves: a string a socket stayed alive through all the destroys
        Map<Tuple, Sock> byTuple = new HashMap<>();
        for (Sock s : confirmed.sockets()) if (s.udp() == null) byTuple.put(new Tuple(s.local(), s.remote()), s);
        Map<Sock, Sock> peerOf = new IdentityHashMap<>();
        Batch first = new Batch(), waiting = new Batch();
        Set<Sock> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < confirmed.sockets().size(); i++) {
            Sock s = confirmed.sockets().get(i);
            Sock peer = s.udp() == null ? byTuple.get(new Tuple(s.remote(), s.local())) : null;
            if (peer != null) peerOf.put(s, peer);
            if (peer != null && chosen.contains(peer) && sendsReset(peer)) {
                waiting.add(s, confirmed.ids().get(i));
            } else {
                chosen.add(s);
                first.add(s, confirmed.ids().get(i));
            }
        }
        Set<Sock> destroyed = Collections.newSetFromMap(new IdentityHashMap<>());
        answered(first.sockets(), diag.destroy(first.ids()), peerOf, destroyed, rest);
        if (waiting.sockets().isEmpty()) return;
        SockDiag.Answer[] again = diag.lookup(waiting.ids());
        Batch second = new Batch();
        for (int i = 0; i < waiting.sockets().size(); i++) {
            Sock s = waiting.sockets().get(i);
            if (again[i] instanceof SockDiag.Errno errno && errno.noSuchSocket()) {
                ledger.answers.put(s, LibC.errnoName(errno.value()));
                ledger.done.put(s, Result.viaPeer(peerOf.get(s).describe()));
            } else {
                second.add(s, waiting.ids().get(i));
            }
        }
        answered(second.sockets(), diag.destroy(second.ids()), peerOf, destroyed, rest);
    }

    /**
     * The kernel's answers to one batch of destroys. A socket already gone whose peer on this host
     * hck destroyed (in this batch or before) was closed by that peer's RST: hck's doing.
     */
    private void answered(List<Sock> batch, int[] rc, Map<Sock, Sock> peerOf, Set<Sock> destroyed, List<Sock> rest) {
        for (int i = 0; i < batch.size(); i++) if (rc[i] == 0) destroyed.add(batch.get(i));
        for (int i = 0; i < batch.size(); i++) {
            Sock s = batch.get(i);
            ledger.answers.put(s, LibC.errnoName(rc[i]));
            Sock peer = peerOf.get(s);
            switch (rc[i]) {
                case 0 -> ledger.claimed.put(s, KillMethod.SOCKET_DESTROY);
                case LibC.ENOENT, LibC.ESTALE -> ledger.done.put(s, peer != null && destroyed.contains(peer)
                        ? Result.viaPeer(peer.describe()) : Result.gone("closed by itself before hck got to it"));
                case LibC.EOPNOTSUPP -> {
                    ledger.note(s, "the kernel refused SOCK_DESTROY for this " + s.state() + " socket (EOPNOTSUPP)");
                    rest.add(s);
                }
                case LibC.EPERM -> {
                    ledger.note(s, "SOCK_DESTROY needs CAP_NET_ADMIN in the socket's namespace (EPERM)");
                    rest.add(s);
                }
                default -> {
                    ledger.note(s, "SOCK_DESTROY failed: " + LibC.errnoName(rc[i]));
                    rest.add(s);
                }
            }
        }
    }

    /** tcp_abort answers with an RST in these states (tcp_need_reset), which closes a peer on this host too. */
    private static boolean sendsReset(Sock s) {
        if (s.timer() != null && s.timer().timewait()) return false;
        return s.state() == TcpState.CLOSE_WAIT || s.state() == TcpState.FIN_WAIT1
                || s.state() == TcpState.FIN_WAIT2;
    }

}

package hck.act;

import hck.model.KillMethod;
import hck.model.TcpSocket;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** What live mode knows of each hung socket while the methods run, by identity. */
final class Ledger {
    /** The final result of the sockets that are settled. */
    final Map<TcpSocket, Result> done = new IdentityHashMap<>();
    /** Why each method could not end a socket, in order: the failure's reason. */
    final Map<TcpSocket, List<String>> notes = new IdentityHashMap<>();
    /** The kernel's last answer about each socket: to SOCK_DESTROY, or to the exact lookup before it. */
    final Map<TcpSocket, String> answers = new IdentityHashMap<>();
    /** What a method claims: socket → method, before verification. */
    final Map<TcpSocket, KillMethod> claimed = new IdentityHashMap<>();

    void note(TcpSocket s, String why) {
        notes.computeIfAbsent(s, k -> new ArrayList<>()).add(why);
    }

    List<TcpSocket> claimedBy(List<TcpSocket> pending, KillMethod method) {
        List<TcpSocket> out = new ArrayList<>();
        for (TcpSocket s : pending) if (claimed.get(s) == method) out.add(s);
        return out;
    }
}

package hck.act;

import hck.model.KillMethod;
import hck.model.Sock;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** What live mode knows of each hung socket while the methods run, by identity. */
final class Ledger {
    /** The final result of the sockets that are settled. */
    final Map<Sock, Result> done = new IdentityHashMap<>();
    /** Why each method could not end a socket, in order: the failure's reason. */
    final Map<Sock, List<String>> notes = new IdentityHashMap<>();
    /** The kernel's last answer about each socket: to SOCK_DESTROY, or to the exact lookup before it. */
    final Map<Sock, String> answers = new IdentityHashMap<>();
    /** What a method claims: socket → method, before verification. */
    final Map<Sock, KillMethod> claimed = new IdentityHashMap<>();

    void note(Sock s, String why) {
        notes.computeIfAbsent(s, k -> new ArrayList<>()).add(why);
    }

    List<Sock> claimedBy(List<Sock> pending, KillMethod method) {
        List<Sock> out = new ArrayList<>();
        for (Sock s : pending) if (claimed.get(s) == method) out.add(s);
        return out;
    }
}

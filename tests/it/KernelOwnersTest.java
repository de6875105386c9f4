package hck.it;

import hck.bpf.OwnerIterator;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import hck.netns.Namespaces;
import hck.netns.NetnsSwitch;
import hck.scan.Owners;
import hck.scan.Scanner;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Owners found by the kernel's own walk of every process's files (hck's iter/task_file program)
 * against the /proc walk, on the same real sockets: shared by three processes through fork, held
 * by a multi-threaded process, and while a fourth keeps forking children that inherit them and
 * exit within milliseconds.
 */
class KernelOwnersTest {
    static final String HOLDERS = String.join("\n",
            "import os, socket, sys, threading, time",
            "srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "srv.bind(('127.0.0.1', 9100)); srv.listen(64); held = []",
            "for i in range(20):",
            "    c = socket.create_connection(('127.0.0.1', 9100)); a, _ = srv.accept(); held.append(a); c.close()",
            "for i in range(4): threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()",
            "kids = []",
            "for i in range(3):",
            "    pid = os.fork()",
            "    if pid == 0:",
            "        if i < 2: time.sleep(3600)",
            "        while True:",
            "            p = os.fork()",
            "            if p == 0: time.sleep(0.003); os._exit(0)",
            "            os.waitpid(p, 0)",
            "    kids.append(pid)",
            "print('ready'); print('kids', *kids, flush=True)",
            "sys.stdin.readline()");

    @Test
    void theKernelsWalkFindsTheOwnersTheProcWalkFinds() throws Exception {
        Env.requireRoot();
        String why = OwnerIterator.unavailable(hck.sys.KernelInfo.currentRelease());
        Env.require(why == null, "the kernel's walk of open files: " + why);
        try (Netns ns = Netns.create()) {
            Netns.Held h = ns.started("python3", "-c", HOLDERS);
            String[] kids = Netns.readLine(h.out(), 30).split(" ");
            Set<Long> stable = new TreeSet<>(List.of(h.pid(), Long.parseLong(kids[1]), Long.parseLong(kids[2]), Long.parseLong(kids[3])));
            Thread.sleep(500);
            for (int round = 0; round < 5; round++) {
                List<Sock> candidates = NetnsSwitch.inside(Namespaces.named(ns.name),
                        () -> new Scanner(Scanner.Choice.NETLINK, w -> { }).scan().candidates());
                List<String> failed = new ArrayList<>();
                Owners.Attached byKernel = Owners.attachCounting(candidates, w -> { }, d -> { }, null, true, failed::add);
                Owners.Attached byProc = Owners.attachCounting(candidates, w -> { }, d -> { }, null, false, failed::add);
                assertEquals(List.of(), failed, "the kernel's walk ran");
                Map<String, List<Owner>> kernel = owners(byKernel.sockets(), stable), proc = owners(byProc.sockets(), stable);
                assertEquals(20, kernel.size(), "the 20 CLOSE_WAIT sockets: " + kernel.keySet());
                assertEquals(proc, kernel, "round " + round);
                for (List<Owner> o : kernel.values()) {
                    assertEquals(stable, new TreeSet<>(o.stream().map(Owner::pid).toList()), "each shared by the four processes: " + o);
                    assertTrue(o.stream().allMatch(x -> x.name().equals("python3")), o.toString());
                }
                // the churner's short-lived children: whatever either walk saw of them was a child of it, holding the socket
                for (Sock s : byKernel.sockets()) for (Owner o : s.owners()) if (!stable.contains(o.pid())) assertEquals("python3", o.name());
                for (long pid : stable) assertNotNull(byKernel.openFds().get(pid), "open files counted for " + pid);
            }
        }
    }

    /** The CLOSE_WAIT sockets' owners among {@code stable} PIDs, by socket. */
    static Map<String, List<Owner>> owners(List<Sock> sockets, Set<Long> stable) {
        Map<String, List<Owner>> m = new TreeMap<>();
        for (Sock s : sockets) {
            if (s.state() != TcpState.CLOSE_WAIT) continue;
            m.put(s.describe(), s.owners().stream().filter(o -> stable.contains(o.pid())).toList());
        }
        return m;
    }
}

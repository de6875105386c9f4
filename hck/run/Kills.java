package hck.run;

import hck.act.Result;
import hck.act.Terminator;
import hck.decide.Decision;
import hck.model.Left;
import hck.model.Sock;
import hck.netns.NetnsSwitch;
import hck.sys.KernelInfo;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Live mode's action: the hung sockets of each namespace terminated from inside it, each with its result. */
public final class Kills {
    private Kills() {}

    /** Never throws for what the kernel or a namespace does: every hung socket gets a result, failures included. */
    public static Map<Sock, Result> perNamespace(Plan plan, Sweep sweep, Verdicts verdicts, KernelInfo kernel) {
        Map<Sock, Result> results = new IdentityHashMap<>();
        long self = ProcessHandle.current().pid();
        boolean udpToo = plan.rules().udp().terminate();
        for (Sweep.NsScan n : sweep.scans()) {
            List<Sock> mine = verdicts.hung().stream().map(Decision::socket).filter(s -> Objects.equals(s.netns(), n.ns().label()))
                    .filter(s -> s.udp() == null || udpToo).toList();
            if (mine.isEmpty()) continue;
            try {
                Terminator.Rescan again = new Terminator.Rescan() {
                    @Override
                    public List<Sock> scan() throws IOException {
                        return n.scanner().rescan();
                    }

                    @Override
                    public long[] cookies() throws IOException {
                        return n.scanner().rescanCookies();
                    }
                };
                results.putAll(NetnsSwitch.inside(n.ns(), () -> new Terminator(plan.rules().termination(), kernel, again, plan.log(), self).terminate(mine)));
            } catch (NetnsSwitch.Unavailable e) {
                plan.log().warn("{}: its sockets were not terminated", e.getMessage());
                mine.forEach(s -> results.put(s, Result.notAttempted(Left.NETNS_GONE, "its network namespace vanished before hck got to it")));
            } catch (IOException e) { // entering or leaving the namespace failed after its kills began
                plan.log().error("netns {}: {}: the run stopped after it began terminating", n.ns().label(), e.getMessage());
                mine.forEach(s -> results.putIfAbsent(s, Result.failed("the run stopped in its namespace: " + e.getMessage())));
            }
        }
        return results;
    }
}

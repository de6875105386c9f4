package hck.run;

import hck.bpf.OwnerIterator;
import hck.container.Containers;
import hck.model.Container;
import hck.model.Sock;
import hck.netns.Namespace;
import hck.netns.NetnsSwitch;
import hck.scan.Owners;
import hck.scan.ScanResult;
import hck.scan.Scanner;
import hck.sys.Host;
import org.slf4j.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Every namespace scanned from inside itself; then, for all of them at once, the UDP candidates,
 * the owners (the /proc pass starts during the dump) and the first sightings.
 */
public record Sweep(List<NsScan> scans, List<Sock> candidates, List<Sock> sockets, long scanned, long parseErrors,
                    String source, int unreadableProcesses, Map<Long, Integer> openFds, long nowMs) {

    /** One namespace's scan: what it found, the scanner to look again with, its own tcp_fin_timeout. */
    public record NsScan(Namespace ns, Scanner scanner, ScanResult result, ScanResult udp, Duration finTimeout) {}

    public static Sweep run(Plan plan) throws UsageError {
        Logger log = plan.log();
        long now = System.currentTimeMillis();
        List<NsScan> scans = new ArrayList<>();
        // the /proc pass for the owners starts during the dump, at its first socket a process may hold
        AtomicReference<Owners.Prefetch> owners = new AtomicReference<>();
        // unless the kernel walks the files itself, after the dump, for the candidates alone
        boolean kernelOwners = plan.stamps() != null && plan.rules().stamps().on() && kernelWalk(plan);
        Runnable startOwners = () -> {
            if (!kernelOwners && owners.get() == null) owners.set(Owners.Prefetch.start());
        };
        for (Namespace ns : plan.namespaces()) {
            try {
                scans.add(NetnsSwitch.inside(ns, () -> {
                    Scanner scanner = new Scanner(plan.source(), log::warn).onFirstOwnedCandidate(startOwners)
                            .readingStamps(plan.stamps() == null ? -1 : plan.stamps().mapFd());
                    ScanResult tcp = scanner.scan().inNetns(ns.label());
                    ScanResult udp = plan.rules().udp().enabled() ? scanner.scanUdp().inNetns(ns.label()) : null;
                    return new NsScan(ns, scanner, tcp, udp, Host.finTimeout());
                }));
            } catch (NetnsSwitch.Unavailable e) {
                if (ns.own()) throw new UsageError(e.getMessage());
                log.warn("{}: skipped", e.getMessage());
            } catch (IOException e) {
                throw new UsageError("cannot scan sockets" + (ns.own() ? "" : " in network namespace " + ns.display()) + ": " + e.getMessage());
            }
        }
        List<Sock> candidates = new ArrayList<>();
        scans.forEach(n -> candidates.addAll(n.result().candidates()));
        log.debug("Scan done at {} ms: {} candidates", plan.clock().ms(), candidates.size());
        if (plan.rules().udp().enabled()) {
            // UDP candidates: the sockets with a queue at the threshold, or with a growing drop counter
            List<Sock> udp = new ArrayList<>();
            scans.forEach(n -> udp.addAll(n.udp().candidates()));
            long minQueue = plan.rules().udp().minQueue();
            for (Sock u : plan.memory().state().stampUdp(udp, now, minQueue)) {
                if (u.recvQ() >= minQueue || u.udp().dropsGrew()) candidates.add(u);
            }
        }
        Owners.Attached attached;
        try {
            attached = Owners.attachCounting(candidates, log::warn, log::debug, owners.get(), kernelOwners, log::info);
        } catch (IOException e) {
            throw new UsageError(e.getMessage() + ": nothing was touched");
        }
        log.debug("Owners done at {} ms", plan.clock().ms());
        // first sightings: read only when a socket needs one, or when the run reads its memory anyway
        List<Sock> sockets = inContainers(attached.sockets(), scans, plan.containers());
        if (plan.memory().loaded() || sockets.stream().anyMatch(StateFile::needs)) sockets = plan.memory().state().stamp(sockets, now);
        long scanned = scans.stream().mapToLong(n -> n.result().scanned() + (n.udp() == null ? 0 : n.udp().scanned())).sum();
        long parseErrors = scans.stream().mapToLong(n -> n.result().parseErrors()).sum();
        String source = scans.stream().map(n -> n.result().source()).distinct().collect(Collectors.joining("+"));
        log.info("Found {} total connections{}", scanned, scans.size() > 1 ? " in " + scans.size() + " network namespaces" : "");
        log.debug("First sightings done at {} ms", plan.clock().ms());
        if (parseErrors > 0) log.warn("Skipped {} unparseable lines of {} output", parseErrors, source);
        return new Sweep(scans, candidates, sockets, scanned, parseErrors, source, attached.unreadable(), attached.openFds(), now);
    }

    /** Whether the kernel can walk every process's open files for hck (else the /proc pass, and a debug line why not). */
    private static boolean kernelWalk(Plan plan) {
        String why = OwnerIterator.unavailable(hck.sys.KernelInfo.currentRelease());
        if (why != null) plan.log().debug("Owners from /proc: {}", why);
        return why == null;
    }

    /**
     * Each socket with the container its owner runs in, else its namespace's: looked up once per
     * owner, and the sockets copied only when some container was found.
     */
    static List<Sock> inContainers(List<Sock> sockets, List<NsScan> scans, Containers containers) {
        Map<String, Container> byNetns = new HashMap<>();
        for (NsScan n : scans) if (n.ns().container() != null) byNetns.put(n.ns().label(), n.ns().container());
        Map<Long, Container> byPid = new HashMap<>();
        for (Sock s : sockets) {
            if (s.owner() != null && !byPid.containsKey(s.owner().pid())) byPid.put(s.owner().pid(), containers.ofProcess(s.owner().pid()));
        }
        if (byNetns.isEmpty() && byPid.values().stream().allMatch(Objects::isNull)) return sockets;
        List<Sock> out = new ArrayList<>(sockets.size());
        for (Sock s : sockets) {
            Container c = s.owner() != null ? byPid.get(s.owner().pid()) : byNetns.get(s.netns());
            out.add(c == null ? s : s.withContainer(c));
        }
        return out;
    }
}

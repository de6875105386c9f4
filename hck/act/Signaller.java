package hck.act;

import hck.sys.LibC;
import hck.sys.Signals;

import hck.model.KillMethod;
import hck.model.Left;
import hck.model.Owner;
import hck.model.Sock;
import hck.rules.Rules;
import org.slf4j.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * The signal ladder, the last resort and only when the rules allow it: optional SIGQUIT for a JVM
 * (a thread dump for the post-mortem), SIGTERM, the grace period, SIGKILL when allowed. Each
 * process is signalled once however many hung sockets it holds, through a pidfd opened after
 * checking it still holds them, so a reused PID is never hit. Orphans never make anyone a target.
 */
final class Signaller {
    static final int SIGQUIT = 3, SIGKILL = 9, SIGTERM = 15;

    interface Verify {
        Set<Sock> still(Map<Sock, KillMethod> claims) throws IOException;
    }

    private final Rules.Termination term;
    private final Logger log;
    private final long selfPid;
    private final BiConsumer<Sock, String> note;
    private final Map<Sock, Result> done;

    Signaller(Rules.Termination term, Logger log, long selfPid, BiConsumer<Sock, String> note, Map<Sock, Result> done) {
        this.term = term;
        this.log = log;
        this.selfPid = selfPid;
        this.note = note;
        this.done = done;
    }

    List<Sock> signal(List<Sock> pending, Verify verify) throws IOException {
        Map<Long, List<Sock>> byPid = new LinkedHashMap<>();
        List<Sock> rest = new ArrayList<>();
        for (Sock s : pending) {
            Owner o = s.owner();
            if (o == null) {
                note.accept(s, "an orphan is never a reason to signal a process");
                rest.add(s);
            } else {
                byPid.computeIfAbsent(o.pid(), k -> new ArrayList<>()).add(s);
            }
        }
        Map<Sock, KillMethod> claims = new IdentityHashMap<>();
        for (Map.Entry<Long, List<Sock>> e : byPid.entrySet()) {
            // a stop signal lets the ladder in progress finish; no other process is signalled after it
            if (Signals.stopRequested() != null) {
                rest.addAll(e.getValue());
                continue;
            }
            KillMethod method = ladder(e.getKey(), e.getValue());
            for (Sock s : e.getValue()) {
                if (done.containsKey(s)) continue;
                if (method != null) claims.put(s, method); else rest.add(s);
            }
        }
        Set<Sock> still = verify.still(claims);
        for (Map.Entry<Sock, KillMethod> c : claims.entrySet()) {
            if (still.contains(c.getKey())) {
                note.accept(c.getKey(), "the socket is still there after " + c.getValue().json + " (shared with another process?)");
                rest.add(c.getKey());
            } else {
                done.put(c.getKey(), Result.terminated(c.getValue()));
            }
        }
        return rest;
    }

    /** @return the signal that ended the process, or null when it was not ended */
    private KillMethod ladder(long pid, List<Sock> sockets) {
        Owner o = sockets.get(0).owner();
        String why = refusal(pid);
        if (why != null) {
            sockets.forEach(s -> note.accept(s, "not signalled: " + why));
            return null;
        }
        Veto veto = veto(o, sockets);
        if (veto.vetoed()) {
            log.warn("Veto: {} (PID {}) is not signalled: {}", o.name(), pid, veto.why());
            sockets.forEach(s -> done.put(s, Result.notAttempted(Left.VETOED, veto.why())));
            return null;
        }
        if (veto.why() != null) {
            // no answer is not a veto: the process is left alone and the sockets count as failed
            log.error("Veto command failed for {} (PID {}): {}: not signalled", o.name(), pid, veto.why());
            sockets.forEach(s -> note.accept(s, "not signalled: " + veto.why()));
            return null;
        }
        int pidfd = -1;
        try {
            pidfd = PidFds.open(pid);
            // the pidfd now pins this process: check it is still the one holding the sockets
            boolean holds = sockets.stream().anyMatch(s -> PidFds.holds(pid, s.owner().fd(), s.inode()));
            if (!holds) {
                sockets.forEach(s -> done.put(s, Result.gone("its process no longer holds it: not signalled")));
                return null;
            }
            long start = PidFds.startTicks(pid);
            String states = sockets.stream().collect(Collectors.groupingBy(s -> s.state().name(), LinkedHashMap::new, Collectors.counting()))
                    .entrySet().stream().map(x -> x.getValue() + " " + x.getKey()).collect(Collectors.joining(", "));
            if (term.sigquitJvm() && isJvm(pid, o.name())) {
                log.warn("Sending SIGQUIT to {} (PID {}) for a thread dump before terminating it", o.name(), pid);
                PidFds.signal(pidfd, SIGQUIT);
                sleep(1000);
            }
            log.warn("Sending SIGTERM to {} (PID {}): it holds {} hung socket(s) ({})", o.name(), pid, sockets.size(), states);
            PidFds.signal(pidfd, SIGTERM);
            if (waitGone(pid, start, term.sigtermGrace().toMillis())) return KillMethod.SIGTERM;
            if (!term.sigkill()) {
                sockets.forEach(s -> note.accept(s, "process survived SIGTERM for " + term.sigtermGrace().toSeconds() + "s and sigkill is off"));
                return null;
            }
            log.warn("Sending SIGKILL to {} (PID {}): still alive {}s after SIGTERM", o.name(), pid, term.sigtermGrace().toSeconds());
            PidFds.signal(pidfd, SIGKILL);
            if (waitGone(pid, start, 5000)) return KillMethod.SIGKILL;
            sockets.forEach(s -> note.accept(s, "process survived SIGKILL"));
            return null;
        } catch (PidFds.Failure f) {
            if (f.errno == LibC.ESRCH) {
                sockets.forEach(s -> done.put(s, Result.gone("its process exited before it was signalled")));
            } else {
                sockets.forEach(s -> note.accept(s, "signal: " + f.getMessage()));
            }
            return null;
        } finally {
            PidFds.close(pidfd);
        }
    }

    private String refusal(long pid) {
        if (pid == 1) return "PID 1 is never signalled";
        if (pid == selfPid) return "hck never signals itself";
        if (PidFds.kernelThread(pid)) return "PID " + pid + " is a kernel thread";
        return null;
    }

    /** The veto command's answer: allowed ({@code why} null), vetoed, or no answer at all (it could not run, or hung). */
    record Veto(boolean vetoed, String why) {}

    /** Sockets named in the environment; the rest are in the file HCK_CONNECTIONS_FILE names. */
    static final int ENV_CONNECTIONS = 20;

    /**
     * Runs termination.veto_command (argv, no shell); exit 0 allows, another exit vetoes. Its
     * environment stays small whatever the process holds (the kernel refuses an exec whose
     * arguments and environment pass 128 KiB a string or its stack limit): the first sockets, their
     * count, and a root-only file with every one of them.
     */
    private Veto veto(Owner o, List<Sock> sockets) {
        List<String> cmd = term.vetoCommand();
        if (cmd.isEmpty()) return new Veto(false, null);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Sock first = sockets.get(0);
        Map<String, String> env = pb.environment();
        env.put("HCK_PID", Long.toString(o.pid()));
        env.put("HCK_PROCESS", o.name());
        env.put("HCK_SIGNAL", "SIGTERM");
        env.put("HCK_STATE", first.state().name());
        env.put("HCK_LOCAL", first.local().toString());
        env.put("HCK_REMOTE", first.remote().toString());
        env.put("HCK_SOCKET_COUNT", Integer.toString(sockets.size()));
        env.put("HCK_CONNECTIONS", sockets.stream().limit(ENV_CONNECTIONS).map(Sock::describe).collect(Collectors.joining("\n")));
        java.nio.file.Path list = null;
        try {
            list = java.nio.file.Files.createTempFile("hck-veto-", ".txt");
            java.nio.file.Files.write(list, sockets.stream().map(Sock::describe).toList());
            env.put("HCK_CONNECTIONS_FILE", list.toString());
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Veto(false, "veto command " + cmd.get(0) + " gave no answer in 30s");
            }
            return p.exitValue() == 0 ? new Veto(false, null) : new Veto(true, "vetoed by " + cmd.get(0) + " (exit " + p.exitValue() + ")");
        } catch (IOException e) {
            return new Veto(false, "veto command " + cmd.get(0) + " could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Veto(false, "interrupted while asking the veto command");
        } finally {
            try {
                if (list != null) java.nio.file.Files.deleteIfExists(list);
            } catch (IOException e) {
                // a temp file in the temp directory: nothing else to do
            }
        }
    }

    private static boolean isJvm(long pid, String name) {
        if ("java".equals(name)) return true;
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/exe")).getFileName().toString().equals("java");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean waitGone(long pid, long start, long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        do {
            if (!PidFds.alive(pid, start)) return true;
            sleep(100);
        } while (System.nanoTime() < end);
        return !PidFds.alive(pid, start);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

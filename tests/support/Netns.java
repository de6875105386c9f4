package hck.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A private network namespace made by a test, with lo up, for holders and hck runs. close()
 * stops every process inside it (only the test's own can be there) and deletes it, also when the
 * test failed.
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    public final String name;
    private final List<Process> started = new ArrayList<>();

    public record Result(int rc, String stdout, String stderr) {}

    private Netns(String name) {
        this.name = name;
    }

    public static Netns create() throws Exception {
        Env.requireNetns();
        String name = "hck-t-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        Result add = exec(List.of("ip", "netns", "add", name), 30);
        if (add.rc != 0) throw new IllegalStateException("ip netns add " + name + ": " + add.stderr);
        Netns ns = new Netns(name);
        Result up = exec(List.of("ip", "-n", name, "link", "set", "lo", "up"), 30);
        if (up.rc != 0) {
            ns.close();
            throw new IllegalStateException("ip link set lo up: " + up.stderr);
        }
        return ns;
    }

    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    public static String classpath() {
        return System.getProperty("java.class.path");
    }

    /** A running {@link Holder}: its process and its control lines. */
    public record Held(Process process, BufferedReader out, java.io.Writer in) {
        public long pid() {
            return process.pid();
        }

        /** Sends a control line and returns the answer line. */
        public String command(String line) throws Exception {
            in.write(line + "\n");
            in.flush();
            return readLine(out, 60);
        }

        /** How many of its echo connections still carry data: "pong OK/N". */
        public String ping() throws Exception {
            return command("ping");
        }
    }

    /** Starts a {@link Holder} inside the namespace and waits until its sockets are in place. */
    public Held holder(String... args) throws Exception {
        return holder(List.of(), args);
    }

    /** The same, started through {@code wrapper} (e.g. {@code unshare --user}), which must exec it. */
    public Held holder(List<String> wrapper, String... args) throws Exception {
        return started(wrapper, Holder.class.getName(), args);
    }

    /** Any test-support main class that prints {@code ready} and then takes lines on stdin (e.g. {@link Peers}). */
    public Held started(List<String> wrapper, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(wrapper);
        cmd.addAll(List.of(java().toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(), mainClass));
        cmd.addAll(List.of(args));
        return startedCommand(cmd);
    }

    /** Any command inside the namespace that prints {@code ready} and then takes lines on stdin; ended with the namespace. */
    public Held started(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return startedCommand(cmd);
    }

    private Held startedCommand(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = readLine(out, 60);
        if (!"ready".equals(line)) throw new IllegalStateException(cmd + " did not get ready: " + line);
        return new Held(p, out, new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
    }

    /** A listener that closes what it accepts and a process {@code name} holding {@code n} CLOSE_WAIT sockets to it, settled. */
    public Held leaky(String name, int n) throws Exception {
        holder("name=server", "listen:9000:close");
        Held leaky = holder("name=" + name, "connect:127.0.0.1:9000:" + n);
        Thread.sleep(1500);
        return leaky;
    }

    /** A line from a process's output, or null when it ended; fails after {@code seconds}. */
    public static String readLine(BufferedReader out, int seconds) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(seconds, TimeUnit.SECONDS);
    }

    /** Runs a command inside the namespace. */
    public Result run(String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return exec(full, 120);
    }

    /** Runs hck (the classes under test, in a fresh JVM) inside the namespace. */
    public Result hck(String... args) throws Exception {
        return hck(List.of(), args);
    }

    /** The same, started through {@code wrapper} (e.g. {@code nsenter --user=…}). */
    public Result hck(List<String> wrapper, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(hckCommand(args));
        return run(cmd.toArray(String[]::new));
    }

    /** The classes and jars copied into {@code dir} (made traversable), readable by an unprivileged user: the classpath of the copies. */
    public static String publicClasspath(Path dir) throws Exception {
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cp = new ArrayList<>();
        int i = 0;
        for (String entry : classpath().split(":")) {
            Path copy = dir.resolve((i++) + "-" + Path.of(entry).getFileName());
            java.nio.file.Files.copy(Path.of(entry), copy);
            java.nio.file.Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            cp.add(copy.toString());
        }
        return String.join(":", cp);
    }

    public static List<String> hckCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java().toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath(), "hck.hck"));
        cmd.addAll(List.of(args));
        // hck remembers (first sightings, samples for its forecasts) in /var/lib/hck as root: never the machine's
        // (no arguments: a prefix the caller completes, with its own --state-file)
        if (args.length > 0 && !List.of(args).contains("--state-file") && !List.of(args).contains("--help")) {
            cmd.addAll(List.of("--state-file", StateFiles.next().toString()));
        }
        return cmd;
    }

    /**
     * {@code cmd} in a private mount namespace whose /sys/fs/bpf is an empty tmpfs: hck run as root
     * outside {@code ip netns exec} (which mounts a /sys of its own) would otherwise find the
     * machine's /sys/fs/bpf, mount a bpffs there and pin its stamps in it.
     */
    public static List<String> apartFromHostBpffs(List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t tmpfs hck-t-no-bpffs /sys/fs/bpf || exit 97; exec \"$@\"", "sh"));
        full.addAll(cmd);
        return full;
    }

    /** A state file of its own for each hck a test starts without one, in a directory removed when the suite ends. */
    static final class StateFiles {
        private static final java.util.concurrent.atomic.AtomicInteger N = new java.util.concurrent.atomic.AtomicInteger();
        private static final Path DIR = make();

        private static Path make() {
            try {
                Path dir = java.nio.file.Files.createTempDirectory("hck-test-state");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (var files = java.nio.file.Files.walk(dir)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    } catch (java.io.IOException e) {
                        // the temp directory stays
                    }
                }));
                return dir;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        static Path next() {
            return DIR.resolve("state-" + N.incrementAndGet() + ".json");
        }
    }

    /** Starts hck inside the namespace without waiting for it. */
    public Process startHck(String... args) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(hckCommand(args));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    /** Runs a test-support main class inside the namespace. */
    public Result java(String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java().toString(), "-cp", classpath(), mainClass));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** Every TCP socket of the namespace as "STATE local remote", to prove nothing disappeared. */
    public Set<String> sockets() throws Exception {
        Result r = run("ss", "-tanH");
        if (r.rc != 0) throw new IllegalStateException("ss: " + r.stderr);
        Set<String> out = new TreeSet<>();
        for (String line : r.stdout.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 5) out.add(f[0] + " " + f[3] + " " + f[4]);
        }
        return out;
    }

    public static Result exec(List<String> cmd, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        // Anything still inside this private namespace was started by this test.
        Result pids = exec(List.of("ip", "netns", "pids", name), 30);
        for (String pid : pids.stdout.split("\\s+")) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
        exec(List.of("ip", "netns", "del", name), 30);
    }
}

package hck.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole private "host" for --all-netns tests, so that hck can only ever find namespaces the test
 * made: NetnsTest starts this as PID 1 of new PID, mount and network namespaces
 * ({@code unshare --pid --fork --mount-proc --mount --net}). /proc then shows only the sandbox's
 * processes and /run/netns is a private tmpfs. Inside: the sandbox's own namespace, named
 * namespaces alpha and beta, and one reachable only through its process ("hidden"), each with a
 * leaky holder. Then it runs hck once per argument group (groups separated by "--") and prints
 * what the test checks. When it exits, the kernel kills everything in the PID namespace.
 */
public final class Sandbox {
    static final Map<String, Long> PIDS = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        sh("mount", "--make-rprivate", "/");
        Files.createDirectories(Path.of("/run/netns"));
        sh("mount", "-t", "tmpfs", "hck-sandbox", "/run/netns");
        sh("ip", "link", "set", "lo", "up");
        for (String ns : List.of("alpha", "beta")) {
            sh("ip", "netns", "add", ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        sh("ip", "netns", "exec", "alpha", "sysctl", "-qw", "net.ipv4.tcp_fin_timeout=30");

        hold("own", List.of(), "name=leaky-own", "listen:9000:close", "connect:127.0.0.1:9000:1");
        hold("alpha", List.of("ip", "netns", "exec", "alpha"), "name=leaky-alpha", "listen:9000:close", "connect:127.0.0.1:9000:2");
        hold("beta", List.of("ip", "netns", "exec", "beta"), "name=leaky-beta", "listen:9000:close", "connect:127.0.0.1:9000:3");
        hold("hidden", List.of("unshare", "--net", "--", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""),
                "name=leaky-hidden", "listen:9000:close", "connect:127.0.0.1:9000:2");
        Thread.sleep(2500);
        PIDS.forEach((k, v) -> System.out.println("pid " + k + " " + v));
        sockets("before");

        List<List<String>> runs = new ArrayList<>();
        runs.add(new ArrayList<>());
        for (String a : args) if (a.equals("--")) runs.add(new ArrayList<>()); else runs.get(runs.size() - 1).add(a);
        int i = 0;
        for (List<String> run : runs) {
            List<String> cmd = new ArrayList<>(Netns.hckCommand(run.toArray(String[]::new)));
            Netns.Result r = Netns.exec(cmd, 300);
            System.out.println("hck " + i + " rc " + r.rc());
            String tag = "hck " + i + " err ";
            r.stderr().lines().forEach(l -> System.out.println(tag + l));
            sockets("after" + i);
            for (Map.Entry<String, Long> e : PIDS.entrySet()) {
                System.out.println("alive" + i + " " + e.getKey() + " " + ProcessHandle.of(e.getValue()).map(ProcessHandle::isAlive).orElse(false));
            }
            i++;
        }
        System.out.flush();
    }

    static void sockets(String tag) throws Exception {
        Map<String, List<String>> cmds = new LinkedHashMap<>();
        cmds.put("own", List.of("ss", "-tanH"));
        for (String ns : List.of("alpha", "beta")) {
            if (Files.exists(Path.of("/run/netns", ns))) cmds.put(ns, List.of("ip", "netns", "exec", ns, "ss", "-tanH"));
        }
        cmds.put("hidden", List.of("nsenter", "--net=/proc/" + PIDS.get("hidden") + "/ns/net", "ss", "-tanH"));
        for (Map.Entry<String, List<String>> e : cmds.entrySet()) {
            Netns.Result r = Netns.exec(e.getValue(), 60);
            for (String line : r.stdout().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5) System.out.println(tag + " " + e.getKey() + " " + f[0] + " " + f[3] + " " + f[4]);
            }
        }
    }

    static void hold(String label, List<String> prefix, String... holderArgs) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Netns.java().toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", Netns.classpath(),
                Holder.class.getName()));
        cmd.addAll(Arrays.asList(holderArgs));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = Netns.readLine(out, 60);
        if (!"ready".equals(line)) throw new IllegalStateException(label + " holder did not get ready");
        // ip netns exec and unshare exec the holder: the process is the holder itself
        PIDS.put(label, p.pid());
    }

    static void sh(String... cmd) throws Exception {
        Netns.Result r = Netns.exec(List.of(cmd), 60);
        if (r.rc() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + r.stderr());
    }
}

package hck.container;

import com.fasterxml.jackson.databind.JsonNode;
import hck.io.HostRoot;
import hck.io.ProcFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The containers the OCI runtimes on the node keep state for, whatever their cgroups: crun
 * ({@code /run/crun/ID/status}), runc (its state.json under /run/runc, docker's and containerd's
 * runc roots) and containerd's v2 shim directories ({@code …/io.containerd.runtime.v2.task/NS/ID/},
 * with {@code init.pid} and the bundle itself). Each gives the container's init PID and bundle.
 */
final class RuntimeStates {
    /** One container: its ID, init PID (as the host sees it), bundle directory (a host path) and the runtime that keeps it. */
    record State(String id, long initPid, String bundle, String runtime) {}

    private RuntimeStates() {}

    static List<State> all(Consumer<String> why) {
        List<State> out = new ArrayList<>();
        for (Path dir : dirs(HostRoot.of("/run/crun"))) {
            JsonNode s = Json.read(dir.resolve("status"), why);
            if (s != null && s.path("pid").asLong() > 0) out.add(new State(name(dir), s.path("pid").asLong(), s.path("bundle").asText(null), "crun"));
        }
        // runc's state, under its own root or the one Docker or containerd gives it: the runtime is whose root it is
        java.util.Map<Path, String> runc = new java.util.LinkedHashMap<>();
        for (Path d : dirs(HostRoot.of("/run/runc"))) runc.put(d, "runc");
        for (Path d : dirs(HostRoot.of("/run/docker/runtime-runc/moby"))) runc.put(d, "docker");
        for (Path ns : dirs(HostRoot.of("/run/containerd/runc"))) for (Path d : dirs(ns)) runc.put(d, "containerd");
        for (var e : runc.entrySet()) {
            JsonNode s = Json.read(e.getKey().resolve("state.json"), why);
            if (s == null || s.path("init_process_pid").asLong() <= 0) continue;
            String bundle = null;
            for (JsonNode label : s.path("config").path("labels")) if (label.asText().startsWith("bundle=")) bundle = label.asText().substring(7);
            out.add(new State(name(e.getKey()), s.path("init_process_pid").asLong(), bundle, e.getValue()));
        }
        for (Path ns : dirs(HostRoot.of("/run/containerd/io.containerd.runtime.v2.task"))) {
            for (Path dir : dirs(ns)) {
                try {
                    long pid = Long.parseLong(ProcFiles.read(dir.resolve("init.pid")).trim());
                    out.add(new State(name(dir), pid, hostPath(dir), "containerd"));
                } catch (IOException | NumberFormatException e) {
                    why.accept(dir + "/init.pid: " + e.getMessage());
                }
            }
        }
        return out;
    }

    /** The path as the host names it (what a bundle path in another runtime file would say). */
    static String hostPath(Path seen) {
        Path root = HostRoot.root();
        return root.getNameCount() == 0 ? seen.toString() : "/" + root.relativize(seen);
    }

    private static String name(Path dir) {
        return dir.getFileName().toString();
    }

    /** The subdirectories of {@code dir}; none when it is absent or unreadable (no such runtime here). */
    static List<Path> dirs(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            s.forEach(out::add);
        } catch (IOException | RuntimeException e) {
            // unreadable: no state from it
        }
        return out;
    }
}

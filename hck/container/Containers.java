package hck.container;

import com.fasterxml.jackson.databind.JsonNode;
import hck.io.HostRoot;
import hck.io.ProcFiles;
import hck.model.Container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Which container a process or a network namespace belongs to, from what the runtimes write on the
 * node (no API call): the ID from the process's cgroup, else from an OCI runtime's state whose init
 * process shares its PID namespace; the names from the bundle's config.json annotations (CRI-O's
 * and containerd CRI's pod and container names), containers/storage's containers.json (podman,
 * CRI-O) and Docker's config.v2.json. A file that cannot be read never fails a run: the container
 * is unknown (null) and {@code why} (the -v log) says which file and why. One per run, cached.
 */
public final class Containers {
    private final Consumer<String> why;
    private final Map<Long, Optional<Container>> byPid = new HashMap<>();
    private final Map<String, Optional<Container>> byId = new HashMap<>();
    private List<RuntimeStates.State> states;
    private Map<String, String> storageNames;
    private Map<Long, List<RuntimeStates.State>> initNetns;

    public Containers(Consumer<String> why) {
        this.why = why;
    }

    /** @return the container process {@code pid} runs in, or null (the host's own, or not known) */
    public synchronized Container ofProcess(long pid) {
        return byPid.computeIfAbsent(pid, p -> Optional.ofNullable(find(p))).orElse(null);
    }

    /** @return the container (a pod's, when one of them is) whose init process lives in network namespace {@code inode}, or null */
    public synchronized Container ofNetns(long inode) {
        if (initNetns == null) { // each init's namespace read once, however many namespaces are asked about
            initNetns = new HashMap<>();
            for (RuntimeStates.State s : states()) initNetns.computeIfAbsent(inode(s.initPid(), "net"), k -> new java.util.ArrayList<>()).add(s);
        }
        Container found = null;
        for (RuntimeStates.State s : initNetns.getOrDefault(inode, List.of())) {
            Container c = byId(s.id(), null, s);
            if (c != null && (found == null || (found.pod() == null && c.pod() != null))) found = c;
        }
        return found;
    }

    private Container find(long pid) {
        String cgroup;
        try {
            cgroup = ProcFiles.read(Path.of("/proc", Long.toString(pid), "cgroup"));
        } catch (IOException e) {
            why.accept("container of PID " + pid + ": /proc/" + pid + "/cgroup: " + e.getMessage());
            return null;
        }
        CgroupIds.Found f = CgroupIds.of(cgroup);
        if (f != null) return byId(f.id(), f.runtime(), state(f.id()));
        // no cgroup of its own (crun --cgroups=disabled, some sandboxes): the runtime state whose init shares its PID namespace
        long pidns = inode(pid, "pid");
        if (pidns <= 0 || pidns == inode(1, "pid")) return null;
        for (RuntimeStates.State s : states()) if (inode(s.initPid(), "pid") == pidns) return byId(s.id(), null, s);
        return null;
    }

    private Container byId(String id, String runtime, RuntimeStates.State state) {
        return byId.computeIfAbsent(id, k -> Optional.of(identify(id, runtime, state))).orElse(null);
    }

    private Container identify(String id, String cgroupRuntime, RuntimeStates.State state) {
        String bundle = state != null && state.bundle() != null ? state.bundle() : knownBundle(id);
        JsonNode a = bundle == null ? null : Optional.ofNullable(Json.read(HostRoot.of(bundle).resolve("config.json"), why))
                .map(c -> c.path("annotations")).orElse(null);
        String podNs = text(a, "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace");
        String podName = text(a, "io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name");
        String k8sName = text(a, "io.kubernetes.container.name", "io.kubernetes.cri.container-name");
        Container.Pod pod = podNs != null && podName != null ? new Container.Pod(podNs, podName) : null;
        String runtime = cgroupRuntime != null ? cgroupRuntime
                : "libpod".equals(text(a, "io.container.manager")) ? "podman"
                : text(a, "io.kubernetes.cri.sandbox-name") != null || (state != null && state.runtime().equals("containerd")) ? "containerd"
                : text(a, "io.kubernetes.cri-o.Created") != null ? "cri-o"
                : state != null ? state.runtime() : null;
        String name = pod != null && k8sName != null ? k8sName : storageName(id);
        if (name == null) name = dockerName(id);
        if (name == null) name = k8sName;
        return new Container(id, name, runtime, pod);
    }

    /** Where the runtimes keep a container's bundle when no runtime state named it. */
    private String knownBundle(String id) {
        String[] places = {"/var/lib/containers/storage/overlay-containers/" + id + "/userdata",
                "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/" + id};
        for (String p : places) if (Files.isRegularFile(HostRoot.of(p).resolve("config.json"))) return p;
        for (Path ns : RuntimeStates.dirs(HostRoot.of("/run/containerd/io.containerd.runtime.v2.task"))) {
            if (Files.isRegularFile(ns.resolve(id).resolve("config.json"))) return RuntimeStates.hostPath(ns.resolve(id));
        }
        return null;
    }

    /** containers/storage's name for the container (podman, CRI-O). */
    private String storageName(String id) {
        if (storageNames == null) {
            storageNames = new HashMap<>();
            JsonNode all = Json.read(HostRoot.of("/var/lib/containers/storage/overlay-containers/containers.json"), why);
            if (all != null) for (JsonNode c : all) if (c.path("names").size() > 0) storageNames.put(c.path("id").asText(), c.path("names").get(0).asText());
        }
        return storageNames.get(id);
    }

    private String dockerName(String id) {
        JsonNode c = Json.read(HostRoot.of("/var/lib/docker/containers/" + id + "/config.v2.json"), why);
        String name = c == null ? null : c.path("Name").asText(null);
        return name == null || name.isEmpty() ? null : name.startsWith("/") ? name.substring(1) : name;
    }

    private RuntimeStates.State state(String id) {
        for (RuntimeStates.State s : states()) if (s.id().equals(id)) return s;
        return null;
    }

    private List<RuntimeStates.State> states() {
        if (states == null) states = RuntimeStates.all(why);
        return states;
    }

    private static String text(JsonNode annotations, String... keys) {
        if (annotations == null) return null;
        for (String k : keys) {
            String v = annotations.path(k).asText(null);
            if (v != null && !v.isEmpty()) return v;
        }
        return null;
    }

    /** The inode of /proc/PID/ns/KIND, or -1 (the process exited, or is not ours to see). */
    static long inode(long pid, String kind) {
        try {
            String t = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind)).toString(); // "pid:[4026531836]"
            return Long.parseLong(t.substring(t.indexOf('[') + 1, t.length() - 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

package hck.container;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container ID in a /proc/PID/cgroup, cgroup v1 or v2, systemd or cgroupfs driver:
 * {@code docker-ID.scope}, {@code cri-containerd-ID.scope}, {@code crio-ID.scope},
 * {@code libpod-ID(.scope)}, or a bare ID under {@code /docker/}, {@code /kubepods…} or
 * {@code /libpod_parent/}. A runtime's monitor ({@code libpod-conmon-ID}, {@code crio-conmon-ID})
 * is not the container. A pure function of the file's text.
 */
public final class CgroupIds {
    /** What the cgroup says: the ID, and the runtime when the path names it (null for a bare ID under kubepods). */
    public record Found(String id, String runtime) {}

    private static final Pattern PREFIXED = Pattern.compile("^(docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(?:\\.scope)?$");
    private static final Pattern BARE = Pattern.compile("^[0-9a-f]{64}$");
    private static final Map<String, String> RUNTIME = Map.of("docker", "docker", "cri-containerd", "containerd", "crio", "cri-o",
            "libpod", "podman");

    private CgroupIds() {}

    /** @return the container this cgroup file places the process in, or null (the host's own cgroup, or none known) */
    public static Found of(String cgroupFile) {
        Found best = null;
        for (String line : cgroupFile.split("\n")) {
            int colon = line.indexOf(':', line.indexOf(':') + 1);
            if (colon < 0) continue;
            Found f = ofPath(line.substring(colon + 1).trim());
            if (f != null && (best == null || best.runtime() == null)) best = f;
        }
        return best;
    }

    static Found ofPath(String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            Matcher m = PREFIXED.matcher(parts[i]);
            if (m.matches()) return new Found(m.group(2), RUNTIME.get(m.group(1)));
            if (BARE.matcher(parts[i]).matches()) {
                String runtime = path.contains("/docker/") ? "docker" : path.contains("/libpod_parent/") ? "podman" : null;
                if (runtime != null || path.contains("kubepods")) return new Found(parts[i], runtime);
            }
        }
        return null;
    }
}

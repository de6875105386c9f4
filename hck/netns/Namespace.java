package hck.netns;

import java.nio.file.Path;

/**
 * A network namespace hck scans: its label ({@code null} for hck's own, a name from
 * /run/netns, {@code pid:N} for one only reachable through a process, or the path given),
 * the nsfs file that opens it, and its inode (the namespace's identity).
 */
public record Namespace(String label, Path file, long inode) {
    public boolean own() {
        return label == null;
    }

    public String display() {
        return label == null ? "own" : label;
    }
}

package hck.netns;

import hck.model.Container;

import java.nio.file.Path;

/**
 * A network namespace hck scans: its label ({@code null} for hck's own, a name from
 * /run/netns, {@code pid:N} for one only reachable through a process, or the path given),
 * the nsfs file that opened it, its inode (the namespace's identity), and the descriptor hck
 * opened when it found it ({@code -1} for its own). The descriptor keeps the namespace alive and
 * enterable for the whole run: removing its name ({@code ip netns del}) or ending its last process
 * mid-run does not make it vanish from under hck. {@code container}: the container or pod it
 * belongs to (then the label is {@code pod:NS/POD} or {@code container:NAME}), else null.
 */
public record Namespace(String label, Path file, long inode, int fd, Container container) {
    public Namespace(String label, Path file, long inode) {
        this(label, file, inode, -1, null);
    }

    public Namespace(String label, Path file, long inode, int fd) {
        this(label, file, inode, fd, null);
    }

    public boolean own() {
        return label == null;
    }

    public String display() {
        return label == null ? "own" : label;
    }
}

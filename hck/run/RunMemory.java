package hck.run;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What runs remember (first sightings, UDP queues, counters, the last check status): the state
 * file, read the first time a run needs it and written at the end only if it was. Most dry runs
 * never read it (jackson's start alone is 0.1 s).
 */
public final class RunMemory {
    private final Path file;
    private final Consumer<String> warn;
    private StateFile state;

    public RunMemory(Path file, Consumer<String> warn) {
        this.file = file;
        this.warn = warn;
    }

    /** --state-file, else /var/lib/hck/state.json as root, else $XDG_STATE_HOME/hck (~/.local/state/hck). */
    public static Path defaultPath(Path given) {
        if (given != null) return given;
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/hck/state.json");
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("hck").resolve("state.json");
    }

    public Path file() {
        return file;
    }

    /** The state file, read now if this is its first use. */
    public StateFile state() {
        if (state == null) state = new StateFile(file, warn);
        return state;
    }

    public boolean loaded() {
        return state != null;
    }

    /** Writes it back if this run used it. @return false when it could not be written */
    public boolean save() {
        return state == null || state.save();
    }
}

package hck.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A bpffs instance of a test's own, mounted at a temporary directory (never /sys/fs/bpf): the
 * stamps a test's hck installs are pinned there, and close() removes every pin (the kernel then
 * detaches the program and frees the map), unmounts it and removes the directory, also when the
 * test failed.
 */
public final class BpfFs implements AutoCloseable {
    public final Path dir;

    private BpfFs(Path dir) {
        this.dir = dir;
    }

    public static BpfFs mount() throws Exception {
        Env.requireRoot();
        Path dir = Files.createTempDirectory("hck-t-bpffs");
        Netns.Result r = Netns.exec(List.of("mount", "-t", "bpf", "hck-t-bpffs", dir.toString()), 30);
        if (r.rc() != 0) {
            Files.delete(dir);
            throw new IllegalStateException("mount -t bpf: " + r.stderr());
        }
        return new BpfFs(dir);
    }

    /** The programs named {@code name} the kernel has loaded now, anywhere on the machine (ids only). */
    public static List<Integer> programs(String name) throws Exception {
        List<Integer> ids = new java.util.ArrayList<>();
        int id = 0;
        while (true) {
            try {
                id = hck.bpf.Bpf.nextProgId(id);
            } catch (hck.bpf.Bpf.Failed e) {
                return ids; // ENOENT: the last one
            }
            int fd;
            try {
                fd = hck.bpf.Bpf.progById(id);
            } catch (hck.bpf.Bpf.Failed gone) {
                continue; // freed meanwhile
            }
            try {
                if (hck.bpf.Bpf.progInfo(fd).name().equals(name)) ids.add(id);
            } finally {
                hck.bpf.Bpf.close(fd);
            }
        }
    }

    /** Waits up to 10 s for {@code n} programs named {@code name} (the kernel frees a released one after an RCU grace period). */
    public static List<Integer> awaitPrograms(String name, int n) throws Exception {
        long end = System.currentTimeMillis() + 10_000;
        List<Integer> now = programs(name);
        while (now.size() != n && System.currentTimeMillis() < end) {
            Thread.sleep(50);
            now = programs(name);
        }
        return now;
    }

    @Override
    public void close() throws Exception {
        // every pin (the kernel's own preload files have a dot in their names and go with the mount)
        try (var top = Files.list(dir)) {
            for (Path p : top.filter(p -> !p.getFileName().toString().contains(".")).toList()) {
                try (var all = Files.walk(p)) {
                    for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
                }
            }
        } finally {
            Netns.Result um = Netns.exec(List.of("umount", dir.toString()), 30);
            if (um.rc() != 0) throw new IllegalStateException("umount " + dir + ": " + um.stderr());
            Files.deleteIfExists(dir);
        }
    }
}

package hck.scan;

import hck.model.Owner;
import hck.model.TcpSocket;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Attaches owning processes to candidates, in one /proc pass for the sockets of every namespace:
 * socket inodes are numbered system-wide, and /proc shows PIDs as the host sees them.
 */
public final class Owners {
    private Owners() {}

    public static List<TcpSocket> attach(List<TcpSocket> candidates, Consumer<String> warn) throws IOException {
        Set<Long> inodes = new HashSet<>();
        for (TcpSocket s : candidates) if (!s.orphan()) inodes.add(s.inode());
        if (inodes.isEmpty()) return candidates;
        ProcessMapper mapper = new ProcessMapper(Path.of("/proc"));
        Map<Long, List<Owner>> owners = mapper.owners(inodes);
        if (mapper.unreadable() > 0) {
            warn.accept("could not read the open files of " + mapper.unreadable()
                    + " processes (run as root): their sockets show no owning process");
        }
        List<TcpSocket> out = new ArrayList<>(candidates.size());
        for (TcpSocket s : candidates) {
            List<Owner> o = s.orphan() ? null : owners.get(s.inode());
            out.add(o == null ? s : s.withOwners(o));
        }
        return out;
    }
}

package hck.io;


import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How hck meets the files it is told to read and write, as root, in directories other users may
 * share. Regular files are replaced by rename only when they are regular files; devices are written
 * in place; FIFOs, sockets and block devices are refused (a FIFO without a reader blocks open(2)
 * forever). A symbolic link is followed only when root or hck's own user owns it: a link another
 * user planted in a sticky directory (/tmp) would otherwise make root write where that user points
 * it — the attack fs.protected_symlinks closes for sticky directories only. Reads are bounded.
 */
public final class SafeFiles {
    /** What stands at a path, by the S_IFMT bits of lstat/stat. */
    public enum Kind { ABSENT, REGULAR, DIRECTORY, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET }

    /** A file hck was told to use that it will not: the message names the file and why. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    /** stdout/stderr and fds given by number: the caller's own streams, written in place whatever they are. */
    private static final Pattern OWN_FD = Pattern.compile("/dev/(stdout|stderr|fd/\\d+)|/proc/(self|thread-self)/fd/\\d+");

    private SafeFiles() {}

    public static Kind kind(Path p, boolean follow) throws IOException {
        int mode;
        try {
            mode = follow ? (Integer) Files.getAttribute(p, "unix:mode") : (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Kind.ABSENT;
        }
        return switch (mode & 0170000) {
            case 0100000 -> Kind.REGULAR;
            case 0040000 -> Kind.DIRECTORY;
            case 0120000 -> Kind.SYMLINK;
            case 0020000 -> Kind.CHAR_DEVICE;
            case 0060000 -> Kind.BLOCK_DEVICE;
            case 0010000 -> Kind.FIFO;
            default -> Kind.SOCKET;
        };
    }

    static boolean ownFd(Path abs) {
        return OWN_FD.matcher(abs.toString()).matches();
    }

    static int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Follows {@code file} through symbolic links that root or hck's own user owns, to what it
     * names (which may not exist yet); a link owned by anyone else is refused.
     */
    public static Path trusted(String option, Path file) throws IOException {
        Path p = file.toAbsolutePath().normalize();
        int me = Credentials.euid();
        for (int hops = 0; hops < 16; hops++) {
            if (kind(p, false) != Kind.SYMLINK) return p;
            int uid = owner(p);
            if (uid != 0 && uid != me) {
                throw new Refused(option + " " + file + ": " + p + " is a symbolic link owned by uid " + uid
                        + " (neither root nor hck's user): refusing to follow it");
            }
            Path target = Files.readSymbolicLink(p);
            p = p.getParent().resolve(target).normalize();
        }
        throw new Refused(option + " " + file + ": too many levels of symbolic links");
    }

    /**
     * sshd's StrictModes for a file whose content root obeys (the rules: their veto_command runs as
     * root): when hck runs as root, the file and every directory above it must be owned by root and
     * writable by no one else, and no link on the way may belong to another user. A world-writable
     * directory is accepted only with the sticky bit (/tmp), where no one but an entry's owner can
     * rename or remove it. Running as another user, nothing is checked: that user runs what they can edit.
     */
    public static void requireRootOnly(String what, Path file, String override) throws IOException {
        if (Credentials.euid() != 0) return;
        Path abs = file.toAbsolutePath().normalize();
        for (Path prefix = abs; prefix != null; prefix = prefix.getParent()) {
            if (kind(prefix, false) == Kind.SYMLINK && owner(prefix) != 0) {
                throw new Refused(what + " " + file + ": " + prefix + " is a symbolic link owned by uid " + owner(prefix)
                        + ", not root: refused as root (" + override + ")");
            }
        }
        // absent, a FIFO (/dev/stdin), a device, a directory: the loader says so, in its own words
        if (kind(abs, true) != Kind.REGULAR) return;
        Path real = abs.toRealPath();
        boolean first = true;
        for (Path p = real; p != null; p = p.getParent(), first = false) {
            int uid = owner(p);
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            String name = first ? what + " " + file + (real.equals(abs) ? "" : " (" + real + ")") : what + " " + file + ": directory " + p;
            if (uid != 0) throw new Refused(name + " is owned by uid " + uid + ", not root: refused as root (" + override + ")");
            boolean sticky = (mode & 01000) != 0;
            if ((mode & 022) != 0 && (first || !sticky)) {
                String who = (mode & 022) == 022 ? "its group and others" : (mode & 020) != 0 ? "its group" : "others";
                throw new Refused(name + " is writable by " + who
                        + String.format(" (mode %04o): refused as root (chmod go-w it, or %s)", mode & 07777, override));
            }
        }
    }

    /** How an output is written: replaced by rename (a regular file or none yet), or written in place (a device, hck's own stdout). */
    public record Output(Path path, boolean inPlace) {}

    /**
     * Decides, before anything is done, how an output file will be written; refuses what cannot be
     * written safely (a directory, a FIFO, a socket, a block device, a missing or unwritable directory).
     */
    public static Output output(String option, Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        if (ownFd(abs)) return new Output(abs, true);
        Path p = trusted(option, abs);
        Kind k = kind(p, false);
        return switch (k) {
            case ABSENT, REGULAR -> {
                Path dir = p.getParent();
                if (dir == null || kind(dir, true) != Kind.DIRECTORY || !Files.isWritable(dir)) {
                    throw new Refused(option + " " + file + ": directory " + dir + " does not exist or is not writable");
                }
                yield new Output(p, false);
            }
            case CHAR_DEVICE -> new Output(p, true);
            default -> throw new Refused(option + " " + file + ": " + describe(k)
                    + ": hck writes only regular files (replaced by rename) and character devices such as /dev/null (in place)");
        };
    }

    /** A file hck reads and replaces (the state): a regular file or none yet, reached through no link of another user. */
    public static void requireRegularOrAbsent(String option, Path file) throws IOException {
        Kind k = kind(trusted(option, file), false);
        if (k != Kind.ABSENT && k != Kind.REGULAR) throw new Refused(option + " " + file + " " + describe(k) + ", not a regular file");
    }

    static String describe(Kind k) {
        return switch (k) {
            case DIRECTORY -> "is a directory";
            case FIFO -> "is a FIFO (named pipe), which would block hck until something reads it";
            case SOCKET -> "is a socket";
            case BLOCK_DEVICE -> "is a block device";
            case SYMLINK -> "is a symbolic link";
            case CHAR_DEVICE -> "is a character device";
            default -> "is " + k.name().toLowerCase();
        };
    }

    /**
     * Opens a file to append to (the log) or to lock: a regular file (created 0600 if absent,
     * never through a link opened by another user), or, for an append, a character device.
     */
    public static FileChannel openAppend(String option, Path file, boolean devicesToo) throws IOException {
        Path p = trusted(option, file);
        Kind k = kind(p, false);
        if (k == Kind.CHAR_DEVICE && devicesToo) return FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (k != Kind.ABSENT && k != Kind.REGULAR) {
            throw new Refused(option + " " + file + ": " + describe(k) + ": " + (devicesToo
                    ? "hck appends only to a regular file or a character device" : "hck uses only a regular file there"));
        }
        List<OpenOption> opts = new ArrayList<>(List.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        opts.add(devicesToo ? StandardOpenOption.APPEND : StandardOpenOption.READ);
        try {
            return FileChannel.open(p, new java.util.HashSet<>(opts),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (FileSystemLoopException e) {
            // O_NOFOLLOW: a link was planted between the check and the open
            throw new Refused(option + " " + file + ": became a symbolic link while hck opened it: refusing to follow it");
        }
    }

    public static OutputStream appendStream(String option, Path file) throws IOException {
        return Channels.newOutputStream(openAppend(option, file, true));
    }

    /**
     * Reads a whole regular file of at most {@code max} bytes; anything else (a FIFO, /dev/zero, a
     * directory) or anything larger is refused, so a read can neither block nor fill memory.
     */
    public static byte[] readRegular(String what, Path file, long max) throws IOException {
        Kind k = kind(file, true);
        if (k == Kind.ABSENT) throw new NoSuchFileException(file.toString());
        if (k != Kind.REGULAR) throw new Refused(what + " " + file + " " + describe(k) + ", not a regular file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); InputStream in = Channels.newInputStream(ch)) {
            if (ch.size() > max) throw new Refused(what + " " + file + " is larger than " + max / 1024 + " KiB: not read");
            byte[] b = in.readNBytes((int) max + 1);
            if (b.length > max) throw new Refused(what + " " + file + " is larger than " + max / 1024 + " KiB: not read");
            return b;
        }
    }
}

package hck.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes an output: a regular file (or none yet) by temp file + rename in the same directory, so a
 * reader never sees half of it; a character device (/dev/null) or hck's own stdout in place, never
 * replaced — renaming over /dev/null turns it into a regular file. What is refused is decided by
 * {@link SafeFiles#output}, which the run calls before it touches anything.
 */
public final class AtomicFile {
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** An in-place write (a device, a pipe) that takes longer than this is abandoned. */
    static final long IN_PLACE_LIMIT_MS = 10_000;

    /** Temp files being written, removed by {@link #abandonAll} when a signal ends the run. */
    private static final Set<Path> TEMPS = new LinkedHashSet<>();
    private static boolean abandoned;

    private AtomicFile() {}

    /** {@code ownerOnly}: mode 0600 (state files); otherwise 0644 (reports other tools read). */
    public static void write(Path file, boolean ownerOnly, Body body) throws IOException {
        write(SafeFiles.output("output", file), ownerOnly, body);
    }

    public static void write(SafeFiles.Output target, boolean ownerOnly, Body body) throws IOException {
        if (target.inPlace()) {
            inPlace(target.path(), body);
            return;
        }
        Path file = target.path();
        Path dir = file.getParent();
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--");
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(perms);
        Path tmp;
        synchronized (TEMPS) {
            if (abandoned) throw new IOException("hck is stopping: " + file + " not written");
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attr);
            TEMPS.add(tmp);
        }
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.writeTo(out);
            }
            Files.setPosixFilePermissions(tmp, perms);
            synchronized (TEMPS) {
                if (abandoned) throw new IOException("hck is stopping: " + file + " not written");
                // only ever over a regular file: the kind may have changed since the run checked it
                SafeFiles.Kind now = SafeFiles.kind(file, false);
                if (now != SafeFiles.Kind.ABSENT && now != SafeFiles.Kind.REGULAR) {
                    throw new SafeFiles.Refused(file + " " + SafeFiles.describe(now) + " now: not replaced");
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            synchronized (TEMPS) {
                Files.deleteIfExists(tmp);
                TEMPS.remove(tmp);
            }
        }
    }

    /** Written in place, within {@link #IN_PLACE_LIMIT_MS}: a pipe nobody reads must not hold the run. */
    private static void inPlace(Path file, Body body) throws IOException {
        CompletableFuture<Void> w = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE), 1 << 16)) {
                body.writeTo(out);
                w.complete(null);
            } catch (Throwable e) {
                w.completeExceptionally(e);
            }
        }, "hck-write-" + file.getFileName());
        t.setDaemon(true);
        t.start();
        try {
            w.get(IN_PLACE_LIMIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(file + ": nothing took the output within " + IN_PLACE_LIMIT_MS / 1000 + "s: abandoned");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(file + ": interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(file + ": " + e.getCause(), e.getCause());
        }
    }

    /** A signal ends the run: removes every temp file being written and lets no new one start. */
    public static void abandonAll() {
        synchronized (TEMPS) {
            abandoned = true;
            for (Path t : TEMPS) {
                try {
                    Files.deleteIfExists(t);
                } catch (IOException e) {
                    // nothing more to do on the way out
                }
            }
            TEMPS.clear();
        }
    }

    public static void createPrivateDirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}

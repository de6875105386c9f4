package hck.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes a file by temp file + rename in the same directory, so a reader never sees half of it. */
public final class AtomicFile {
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {}

    /** {@code ownerOnly}: mode 0600 (state files); otherwise 0644 (reports other tools read). */
    public static void write(Path file, boolean ownerOnly, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--");
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(perms);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attr);
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.writeTo(out);
            }
            // createTempFile's mode is masked by nothing, but make it explicit for readers of reports
            Files.setPosixFilePermissions(tmp, perms);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void createPrivateDirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}

package hck.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads small /proc files in one read() call. Integer sysctls (proc_dointvec) answer EOF to any
 * read at an offset other than 0, and /proc reports size 0, so Files.readString reads one byte
 * first and then sees EOF: tcp_fin_timeout "60" came back as "6".
 */
public final class ProcFiles {
    private ProcFiles() {}

    /** The file's text without its trailing newline. */
    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[4096];
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) return "";
            int end = n;
            while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == 0)) end--;
            return new String(buf, 0, end, StandardCharsets.UTF_8);
        }
    }
}

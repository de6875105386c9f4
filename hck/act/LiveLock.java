package hck.act;

import hck.io.SafeFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One live run at a time. The lock is a POSIX record lock on the file, which the kernel drops when
 * the process dies however it dies, so a crashed run never blocks the next; the file only tells
 * who holds it.
 */
public final class LiveLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private LiveLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another live run holds the lock. */
    public static final class Held extends Exception {
        public Held(String message) {
            super(message);
        }
    }

    /** @throws IOException saying which lock and why (a refused file: SafeFiles' own message) */
    public static LiveLock acquire(Path file) throws IOException, Held {
        try {
            return take(file);
        } catch (SafeFiles.Refused e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot take the lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static LiveLock take(Path file) throws IOException, Held {
        // never through a link another user planted, never a FIFO: the file is truncated and written below
        FileChannel ch = SafeFiles.openAppend("--lock-file", file, false);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String holder = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            if (!holder.matches("\\d+")) holder = "";
            ch.close();
            throw new Held("another hck run (PID " + (holder.isEmpty() ? "unknown" : holder) + ") holds the lock " + file);
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new LiveLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}

package hck.act;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    public static LiveLock acquire(Path file) throws IOException, Held {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            String holder = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
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

package hck.io;

import java.io.IOException;

/** One piece of I/O work on a thread of its own, joined with its IOException handed back to the caller. */
public final class Background {
    public interface Work {
        void run() throws IOException;
    }

    private final Thread thread;
    private Throwable failure;

    private Background(String name, Work work) {
        thread = new Thread(() -> {
            try {
                work.run();
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
            }
        }, name);
    }

    public static Background start(String name, Work work) {
        Background b = new Background(name, work);
        b.thread.start();
        return b;
    }

    /** Waits for the work; rethrows what it threw. */
    public void join() throws IOException {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure instanceof IOException e) throw e;
        if (failure instanceof RuntimeException e) throw e;
        if (failure instanceof Error e) throw e;
    }
}

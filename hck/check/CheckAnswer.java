package hck.check;

import hck.rules.Durations;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The check's one line on stdout, sent once, and -t: a check that cannot answer in time answers
 * UNKNOWN and ends, whatever it waits for; one that answered and is still notifying ends at -t
 * with the status that went out.
 */
public final class CheckAnswer {
    private static final AtomicBoolean ANSWERED = new AtomicBoolean();
    private static final AtomicBoolean RUN_DONE = new AtomicBoolean();
    private static volatile int answeredCode = Status.UNKNOWN.exitCode;

    private CheckAnswer() {}

    /** An UNKNOWN line (usage errors, a stop signal). */
    public static boolean answer(String text) {
        return answer(text, Status.UNKNOWN.exitCode);
    }

    /** @return false when a line already went out (from the watchdog) */
    public static boolean answer(String text, int code) {
        if (!ANSWERED.compareAndSet(false, true)) return false;
        answeredCode = code;
        System.out.println(text);
        System.out.flush();
        return true;
    }

    /** The run returned: the watchdog has nothing left to end. */
    public static void runDone() {
        RUN_DONE.set(true);
    }

    /** Starts the -t timer, counted from {@code startedNs}; {@code beforeHalt} flushes what the run holds. */
    public static void watchdog(Duration limit, long startedNs, Runnable beforeHalt) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(Math.max(0, limit.toMillis() - (System.nanoTime() - startedNs) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            if (answer("HCK UNKNOWN: no answer within " + Durations.text(limit) + " (-t)")) Runtime.getRuntime().halt(Status.UNKNOWN.exitCode);
            if (!RUN_DONE.get()) {
                beforeHalt.run();
                Runtime.getRuntime().halt(answeredCode);
            }
        }, "check-timeout");
        t.setDaemon(true);
        t.start();
    }
}

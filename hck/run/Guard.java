package hck.run;

import hck.check.CheckAnswer;
import hck.check.Status;
import hck.io.AtomicFile;
import hck.report.Logs;
import hck.sys.Signals;

import java.time.Duration;

/** What ends a run from outside: check mode's -t, and SIGTERM/SIGINT. */
public final class Guard {
    private Guard() {}

    /**
     * The exit code once the command returned: after a stop signal, the signal's (UNKNOWN for the
     * check), as its handler ends the run. The handler and this thread race to the end, and a run
     * whose temp files the handler just removed must not exit with their failure (1) instead.
     */
    public static int exitCode(int returned, boolean check) {
        if (Signals.stopRequested() == null) return returned;
        return check ? Status.UNKNOWN.exitCode : Signals.exitCode();
    }

    /**
     * -t covers the whole check, from the JVM's first line of hck ({@code startedNs}): opening the log included.
     * A resident run ({@code --every}) and a live one are asked to stop by a signal: the cycle in progress finishes.
     */
    public static void install(RunMode mode, Duration checkTimeout, long startedNs, boolean resident) {
        if (mode == RunMode.CHECK) CheckAnswer.watchdog(checkTimeout, startedNs, Logs::flush);
        Signals.install(mode == RunMode.LIVE || resident, code -> {
            // nothing to finish outside live mode: no temp file left behind, the log as far as it got
            AtomicFile.abandonAll();
            if (mode == RunMode.CHECK) CheckAnswer.answer("HCK UNKNOWN: stopped by " + Signals.stopRequested());
            Logs.flush();
            Runtime.getRuntime().halt(mode == RunMode.CHECK ? Status.UNKNOWN.exitCode : code);
        });
    }
}

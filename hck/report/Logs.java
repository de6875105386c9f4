package hck.report;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.OutputStream;

/**
 * The seed's log format, one event a line: {@code 2024-01-15 10:30:45 - INFO - …}, on stderr and,
 * with --log-file, appended to that file too. Configured in code: a script run from a URL has no
 * logback.xml beside it.
 */
public final class Logs {
    public static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss} - %level - %msg%n";

    private Logs() {}

    /** @param logFile an already opened append stream, or null */
    public static void configure(boolean verbose, OutputStream logFile) {
        configure(verbose ? Level.DEBUG : Level.INFO, logFile);
    }

    /** Check mode logs only errors to stderr unless -v: its answer is the line on stdout. */
    public static void configure(Level level, OutputStream logFile) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        // Buffered, flushed by flush() at the end of each run: the seed's three lines a hung socket
        // are 570k lines at 190k sockets, and a write(2) per line cost more than the scan.
        root.addAppender(appender(ctx, "stderr", new BufferedOutputStream(System.err, 1 << 16)));
        if (logFile != null) root.addAppender(appender(ctx, "file", new BufferedOutputStream(logFile, 1 << 16)));
    }

    /** Writes out what the appenders hold. */
    public static void flush() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(a -> {
            if (a instanceof OutputStreamAppender<ILoggingEvent> o) {
                try {
                    o.getOutputStream().flush();
                } catch (java.io.IOException e) {
                    // stderr or the log file is gone: nothing left to tell
                }
            }
        });
    }

    private static OutputStreamAppender<ILoggingEvent> appender(LoggerContext ctx, String name, OutputStream out) {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern(PATTERN);
        enc.start();
        OutputStreamAppender<ILoggingEvent> a = new OutputStreamAppender<>();
        a.setContext(ctx);
        a.setName(name);
        a.setEncoder(enc);
        a.setOutputStream(out);
        a.setImmediateFlush(false);
        a.start();
        return a;
    }

    public static org.slf4j.Logger log() {
        return LoggerFactory.getLogger("hck");
    }
}

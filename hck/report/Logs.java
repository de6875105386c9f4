package hck.report;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import hck.model.Printable;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's log format, one event a line: {@code 2024-01-15 10:30:45 - INFO - …}, on stderr and,
 * with --log-file, appended to that file too. Configured in code: a script run from a URL has no
 * logback.xml beside it.
 */
public final class Logs {
    private Logs() {}

    /** @param logFile an already opened append stream, or null; check mode logs only errors to stderr unless -v: its answer is the line on stdout */
    public static void configure(Level level, OutputStream logFile) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        // Buffered, flushed by flush() at the end of each run: the seed's three lines a hung socket
        // made a write(2) per line cost more than the scan at scale (docs/performance.md).
        root.addAppender(appender(ctx, "stderr", new BufferedOutputStream(System.err, 1 << 16)));
        if (logFile != null) root.addAppender(appender(ctx, "file", new BufferedOutputStream(logFile, 1 << 16)));
    }

    /**
     * Logs to stderr at DEBUG with -v, else INFO (check mode: only errors, its answer is the line on
     * stdout), and appended to {@code logFile} too when given.
     * @throws IOException naming the file and what is wrong with it
     */
    public static org.slf4j.Logger open(java.nio.file.Path logFile, boolean verbose, boolean check) throws IOException {
        OutputStream out;
        try {
            out = logFile == null ? null : hck.io.SafeFiles.appendStream("--log-file", logFile);
        } catch (hck.io.SafeFiles.Refused e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot write log file " + logFile + ": " + e.getMessage(), e);
        }
        configure(verbose ? Level.DEBUG : check ? Level.ERROR : Level.INFO, out);
        return LoggerFactory.getLogger("hck");
    }

    /** Writes out what the appenders hold. */
    public static void flush() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(a -> {
            if (a instanceof OutputStreamAppender<ILoggingEvent> o) {
                try {
                    o.getOutputStream().flush();
                } catch (IOException e) {
                    // stderr or the log file is gone: nothing left to tell
                }
            }
        });
    }

    /**
     * The per-socket lines, written in bulk: the same text the pattern gives ({@code 2024-01-15
     * 10:30:45 - WARN - …}, in the encoder's charset), straight into the appenders' buffered
     * streams, without a logging event, message formatting and layout for each line. With the seed's
     * three lines a hung socket (a limit of 0), logback's work per line was the longest stretch of
     * the run. Lines below the configured level are dropped, as logback would.
     * Use from the thread that logs, so that these lines and logback's stay in order.
     */
    public static final class Lines {
        private final Logger root;
        private final List<OutputStream> outs = new ArrayList<>();
        private final SeedFormat format = new SeedFormat();

        private Lines(Logger root) {
            this.root = root;
            root.iteratorForAppenders().forEachRemaining(a -> {
                if (a instanceof OutputStreamAppender<ILoggingEvent> o && o.getOutputStream() != null) outs.add(o.getOutputStream());
            });
        }

        public void info(String message) {
            write(Level.INFO, message);
        }

        public void warn(String message) {
            write(Level.WARN, message);
        }

        public void error(String message) {
            write(Level.ERROR, message);
        }

        private void write(Level level, String message) {
            if (!root.isEnabledFor(level)) return;
            byte[] line = format.line(System.currentTimeMillis(), level, message);
            for (OutputStream out : outs) {
                try {
                    out.write(line);
                } catch (IOException e) {
                    // stderr or the log file is gone: as logback, carry on
                }
            }
        }
    }

    /**
     * {@code 2024-01-15 10:30:45 - INFO - message}, a newline, in UTF-8: the seed's format. The
     * timestamp is local time to the second, formatted once per second. The message carries process
     * and namespace names: its control characters are escaped, so one event stays one line.
     */
    static final class SeedFormat {
        private final DateTimeFormatter stamps = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
        private final StringBuilder line = new StringBuilder(256);
        private long second = Long.MIN_VALUE;
        private String stamp;

        byte[] line(long epochMs, Level level, String message) {
            long now = Math.floorDiv(epochMs, 1000);
            if (now != second) {
                second = now;
                stamp = stamps.format(Instant.ofEpochSecond(now));
            }
            line.setLength(0);
            line.append(stamp).append(" - ").append(level.levelStr).append(" - ").append(Printable.escape(message)).append('\n');
            return line.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The appenders' encoder: the seed format, without a pattern to parse (a fifth of logback's start). */
    static final class SeedEncoder extends EncoderBase<ILoggingEvent> {
        private final SeedFormat format = new SeedFormat();

        @Override
        public byte[] headerBytes() {
            return null;
        }

        @Override
        public synchronized byte[] encode(ILoggingEvent event) {
            return format.line(event.getTimeStamp(), event.getLevel(), event.getFormattedMessage());
        }

        @Override
        public byte[] footerBytes() {
            return null;
        }
    }

    /** A bulk writer over the appenders {@link #configure} set up. */
    public static Lines lines() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        return new Lines(ctx.getLogger(Logger.ROOT_LOGGER_NAME));
    }

    private static OutputStreamAppender<ILoggingEvent> appender(LoggerContext ctx, String name, OutputStream out) {
        SeedEncoder enc = new SeedEncoder();
        enc.setContext(ctx);
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
}

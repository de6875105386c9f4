package hck.report;

import java.time.Instant;

/** The facts about one run that head the JSON document. */
public record RunInfo(String version, String host, String mode, Instant startedAt, long durationMs, String source,
                      String kernelRelease, Boolean sockDestroy, String rules, long parseErrors) {}

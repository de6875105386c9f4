package hck.report;

import hck.model.Stamp;
import hck.sys.KernelInfo;

import java.time.Instant;

/** The facts about one run that head the JSON document. */
public record RunInfo(String version, String host, String mode, Instant startedAt, long durationMs, String source,
                      KernelInfo kernel, Stamp.Status stamps, String rules, long parseErrors) {}

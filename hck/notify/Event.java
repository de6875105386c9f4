package hck.notify;

import hck.report.Outcome;
import hck.report.Summary;

import java.util.List;

/**
 * What a notification tells: the host, the mode, a one-sentence headline, the top holders, the
 * summary and the hung sockets (with what was done to them).
 */
public record Event(String host, String mode, String headline, List<String> holders, Summary summary, List<Outcome> hung) {}

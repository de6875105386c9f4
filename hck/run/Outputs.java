package hck.run;

import hck.io.AtomicFile;
import hck.io.SafeFiles;
import hck.report.JsonReport;
import hck.report.RunInfo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the run's results go besides the log, every one checked before anything is scanned or
 * touched: a bad one is a usage error, never found after the kills.
 */
public record Outputs(String json, SafeFiles.Output jsonOut, Path prometheus, SafeFiles.Output prometheusOut, MetricsServer metrics) {

    /** @throws IllegalArgumentException or IOException naming the option at fault */
    public static Outputs check(String json, Path prometheus, Path stateFile, boolean checkMode) throws IOException {
        if ("-".equals(json) && checkMode) {
            throw new IllegalArgumentException("--json - would print the JSON before the check line on stdout: give --json a file");
        }
        SafeFiles.Output jsonOut = json != null && !json.equals("-") ? SafeFiles.output("--json", Path.of(json)) : null;
        SafeFiles.Output prometheusOut = prometheus != null ? SafeFiles.output("--prometheus", prometheus) : null;
        SafeFiles.requireRegularOrAbsent("--state-file", stateFile);
        return new Outputs(json, jsonOut, prometheus, prometheusOut, null);
    }

    /** The same outputs, the metrics also served by {@code server} (--metrics-listen). */
    public Outputs serving(MetricsServer server) {
        return new Outputs(json, jsonOut, prometheus, prometheusOut, server);
    }

    /** Whether a run builds its metrics: for the Prometheus file, or for /metrics. */
    public boolean metricsWanted() {
        return prometheus != null || metrics != null;
    }

    /** Where the JSON lists every socket, in words for the log; null without --json. */
    public String listedIn() {
        return json == null ? null : json.equals("-") ? "the JSON on stdout" : json;
    }

    void writeJson(RunInfo run, RunReport report, Foresight foresight) throws IOException {
        if (json.equals("-")) {
            JsonReport.write(System.out, run, report.summary(), report.perNetns(), foresight.processes(), foresight.ports(), report.outcomes());
            System.out.flush();
        } else {
            AtomicFile.write(jsonOut, false, out ->
                    JsonReport.write(out, run, report.summary(), report.perNetns(), foresight.processes(), foresight.ports(), report.outcomes()));
        }
    }
}

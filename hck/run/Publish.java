package hck.run;

import hck.check.CheckAnswer;
import hck.check.NagiosCheck;
import hck.check.Status;
import hck.decide.Decision;
import hck.io.AtomicFile;
import hck.io.Background;
import hck.model.Left;
import hck.notify.Event;
import hck.notify.Notifier;
import hck.report.LogReport;
import hck.report.Outcome;
import hck.report.Prometheus;
import hck.report.RunInfo;
import hck.sys.Host;
import hck.sys.KernelInfo;
import hck.sys.Signals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * The run's results, each where it was asked for: the log (its summary; the decisions too, outside
 * live mode, which logged them before acting), the JSON, the Prometheus file, the check's line, the
 * notifications and the run memory; then the exit code.
 */
public final class Publish {
    private final Plan plan;
    private final Outputs outputs;
    private final LogReport log;
    private boolean outputFailed;

    public Publish(Plan plan, Outputs outputs, LogReport log) {
        this.plan = plan;
        this.outputs = outputs;
        this.log = log;
    }

    /** @return the exit code */
    public int all(KernelInfo kernel, Sweep sweep, Verdicts verdicts, RunReport report, Foresight foresight) {
        Stopwatch clock = plan.clock();
        RunInfo run = new RunInfo(Version.NUMBER, Host.name(), plan.mode().label, clock.startedAt(), clock.ms(), sweep.source(), kernel,
                plan.stamps() == null ? null : plan.stamps().status(), plan.rulesOrigin(), sweep.parseErrors());
        // the JSON document on a second core while this one formats the log: at scale each takes about as long
        Background jsonWriter = outputs.json() == null ? null
                : Background.start("hck-json", () -> outputs.writeJson(run, report, foresight));
        if (!plan.live()) log.decisions(verdicts.listed(), verdicts.hung(), verdicts.holders()); else log.outcomesEnd();
        log.forecasts(foresight.processes(), foresight.ports());
        log.summary(report.summary(), sweep.scans().size() > 1 ? report.perNetns() : List.of());
        if (jsonWriter != null) {
            try {
                jsonWriter.join();
            } catch (IOException | RuntimeException e) {
                plan.log().error("Could not write the JSON result to {}: {}", outputs.json(), e.getMessage());
                outputFailed = true;
            }
        }
        plan.log().debug("Log lines and JSON done at {} ms", clock.ms());
        NagiosCheck.Result check = plan.check()
                ? NagiosCheck.evaluate(verdicts.hung(), plan.rules().reporting().check(), new NagiosCheck.Seen(sweep.unreadableProcesses(),
                        foresight.processes(), foresight.ports(), foresight.fullestPortsPercent(), verdicts.hung().stream()
                        .filter(d -> kernel.cannotDestroy(d.socket(), plan.rules().termination().oldKernelOrphans()) != null).count(),
                        kernel.release()))
                : null;
        int exit = check != null ? check.status().exitCode : report.summary().failed() > 0 ? ExitCode.FAILED : ExitCode.OK;
        String stopped = Signals.stopRequested();
        if (stopped != null) {
            plan.log().warn("Stopped by {}: {} hung connection(s) left as they were; the record above is complete", stopped, report.summary().left(Left.STOPPED));
        }
        RunMemory memory = plan.memory();
        // the record these outputs keep or show: live counters, the metrics' totals, the check's last status
        if (plan.live() || outputs.metricsWanted() || (check != null && !plan.rules().reporting().notifications().isEmpty())) memory.state();
        if (memory.loaded() && (check != null || exit == ExitCode.OK)) memory.state().succeeded(clock.startedEpochSeconds());
        if (outputs.metricsWanted()) prometheus(sweep, report, foresight);
        if (check != null) return answer(check, exit, report);
        if (plan.live() && (report.summary().terminated() > 0 || report.summary().failed() > 0)) {
            notify(h -> Event.liveRun(Host.name(), report.summary(), h), report);
        }
        // the counters are the live record: losing them is a failure there, a warning elsewhere
        if (!memory.save() && plan.live()) outputFailed = true;
        if (stopped != null) return Signals.exitCode();
        // a result that could not be kept is not a success, whatever was done
        return outputFailed && exit == ExitCode.OK ? ExitCode.FAILED : exit;
    }

    private void prometheus(Sweep sweep, RunReport report, Foresight foresight) {
        List<Decision> reallyHung = report.hung().stream().map(Outcome::decision).toList();
        var state = plan.memory().state();
        Prometheus.Run metrics = new Prometheus.Run(reallyHung, sweep.candidates(), sweep.scans().stream().map(n -> n.ns().label()).toList(),
                sweep.scanned(), state.terminatedTotal(), state.failedTotal(), plan.clock().startedEpochSeconds(), state.lastSuccess(),
                plan.clock().seconds(), sweep.unreadableProcesses(), foresight.processes(), foresight.ports(),
                plan.stamps() != null && plan.stamps().status().since() != null);
        ByteArrayOutputStream text = new ByteArrayOutputStream(8192);
        try {
            Prometheus.write(text, metrics);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
        if (outputs.metrics() != null) outputs.metrics().publish(text.toByteArray());
        if (outputs.prometheus() == null) return;
        try {
            AtomicFile.write(outputs.prometheusOut(), false, text::writeTo);
        } catch (IOException e) {
            plan.log().error("Could not write the Prometheus file {}: {}", outputs.prometheus(), e.getMessage());
            outputFailed = true;
        }
    }

    /** The status is saved and answered first; notifications only have what is left of -t. */
    private int answer(NagiosCheck.Result check, int exit, RunReport report) {
        RunMemory memory = plan.memory();
        String previous = !memory.loaded() || memory.state().lastCheck() == null ? Status.OK.name() : memory.state().lastCheck();
        if (memory.loaded()) {
            if (!plan.rules().reporting().notifications().isEmpty()) memory.state().checked(check.status().name());
            memory.save();
        }
        if (!CheckAnswer.answer(check.text(), exit)) return Status.UNKNOWN.exitCode;
        if (!previous.equals(check.status().name())) notify(h -> Event.checkChanged(Host.name(), check, previous, report.summary(), h), report);
        return exit;
    }

    /**
     * After a live run that terminated or failed something; in check mode when the status changed
     * (after the status line: within what is left of -t, which ends the process whatever a receiver does).
     */
    private void notify(Function<List<Outcome>, Event> event, RunReport report) {
        if (plan.rules().reporting().notifications().isEmpty()) return;
        try {
            new Notifier(plan.log(), Version.NUMBER).send(plan.rules().reporting().notifications(), event.apply(report.hung()));
        } catch (RuntimeException e) {
            plan.log().warn("Notifications failed: {}", e.getClass().getSimpleName());
        }
    }
}

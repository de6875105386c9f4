///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8 -Xdoclint:accessibility/private,html/private,reference/private,syntax/private
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.3
//DEPS com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.21.3
//DEPS ch.qos.logback:logback-classic:1.5.38
//DEPS net.java.dev.jna:jna:5.19.1
//RUNTIME_OPTIONS -XX:+UseParallelGC -XX:ParallelGCThreads=2 -Xmn24m -XX:MaxTenuringThreshold=0 -XX:TieredStopAtLevel=1 -Xlog:disable -Xlog:all=warning,cds*=off:stderr --enable-native-access=ALL-UNNAMED
//CDS
//SOURCES hck/bpf/Bpf.java
//SOURCES hck/bpf/Btf.java
//SOURCES hck/bpf/OwnerIterator.java
//SOURCES hck/bpf/StampProgram.java
//SOURCES hck/bpf/Stamps.java
//SOURCES hck/act/DestroyMethod.java
//SOURCES hck/act/Ledger.java
//SOURCES hck/act/LiveLock.java
//SOURCES hck/act/PidFds.java
//SOURCES hck/act/Result.java
//SOURCES hck/act/ShutdownMethod.java
//SOURCES hck/act/Signaller.java
//SOURCES hck/act/Terminator.java
//SOURCES hck/check/CheckAnswer.java
//SOURCES hck/check/NagiosCheck.java
//SOURCES hck/check/Status.java
//SOURCES hck/container/CgroupIds.java
//SOURCES hck/container/Containers.java
//SOURCES hck/container/Json.java
//SOURCES hck/container/RuntimeStates.java
//SOURCES hck/decide/AgeSource.java
//SOURCES hck/decide/Decider.java
//SOURCES hck/decide/Decision.java
//SOURCES hck/decide/Diagnosis.java
//SOURCES hck/decide/Verdict.java
//SOURCES hck/io/AtomicFile.java
//SOURCES hck/io/Background.java
//SOURCES hck/io/Credentials.java
//SOURCES hck/io/HostRoot.java
//SOURCES hck/io/ProcFiles.java
//SOURCES hck/io/ProcStat.java
//SOURCES hck/io/SafeFiles.java
//SOURCES hck/model/Action.java
//SOURCES hck/model/Addresses.java
//SOURCES hck/model/Container.java
//SOURCES hck/model/Endpoint.java
//SOURCES hck/model/KillMethod.java
//SOURCES hck/model/Left.java
//SOURCES hck/model/Owner.java
//SOURCES hck/model/PortUse.java
//SOURCES hck/model/Printable.java
//SOURCES hck/model/ProcessForecast.java
//SOURCES hck/model/Retrans.java
//SOURCES hck/model/Sock.java
//SOURCES hck/model/Stamp.java
//SOURCES hck/model/SocketTimer.java
//SOURCES hck/model/TcpState.java
//SOURCES hck/model/UdpInfo.java
//SOURCES hck/netns/Namespace.java
//SOURCES hck/netns/Namespaces.java
//SOURCES hck/netns/NetnsSwitch.java
//SOURCES hck/notify/Event.java
//SOURCES hck/notify/Notifier.java
//SOURCES hck/notify/Payloads.java
//SOURCES hck/report/Holder.java
//SOURCES hck/report/JsonBytes.java
//SOURCES hck/report/JsonReport.java
//SOURCES hck/report/JsonRows.java
//SOURCES hck/report/LogReport.java
//SOURCES hck/report/Logs.java
//SOURCES hck/report/OneLinePerEntry.java
//SOURCES hck/report/Outcome.java
//SOURCES hck/report/Prometheus.java
//SOURCES hck/report/RunInfo.java
//SOURCES hck/report/StateTally.java
//SOURCES hck/report/Summary.java
//SOURCES hck/rules/Durations.java
//SOURCES hck/rules/Names.java
//SOURCES hck/rules/Range.java
//SOURCES hck/rules/RuleValues.java
//SOURCES hck/rules/Rules.java
//SOURCES hck/rules/RulesException.java
//SOURCES hck/rules/RulesLoader.java
//SOURCES hck/rules/Target.java
//SOURCES hck/rules/Thresholds.java
//SOURCES hck/rules/Values.java
//SOURCES hck/rules/YamlTree.java
//SOURCES hck/run/Acted.java
//SOURCES hck/run/CheckLimits.java
//SOURCES hck/run/CliErrors.java
//SOURCES hck/run/DurationOption.java
//SOURCES hck/run/ExitCode.java
//SOURCES hck/run/Foresight.java
//SOURCES hck/run/Guard.java
//SOURCES hck/run/Kills.java
//SOURCES hck/run/MetricsServer.java
//SOURCES hck/run/NodeAgent.java
//SOURCES hck/run/Outputs.java
//SOURCES hck/run/Overrides.java
//SOURCES hck/run/Plan.java
//SOURCES hck/run/Publish.java
//SOURCES hck/run/Resident.java
//SOURCES hck/run/RulesFile.java
//SOURCES hck/run/RunMemory.java
//SOURCES hck/run/RunMode.java
//SOURCES hck/run/RunReport.java
//SOURCES hck/run/StateFile.java
//SOURCES hck/run/Stopwatch.java
//SOURCES hck/run/Sweep.java
//SOURCES hck/run/UsageError.java
//SOURCES hck/run/Verdicts.java
//SOURCES hck/run/Version.java
//SOURCES hck/run/Where.java
//SOURCES hck/scan/NetlinkSource.java
//SOURCES hck/scan/Owners.java
//SOURCES hck/scan/PortCounts.java
//SOURCES hck/scan/ProcNetParser.java
//SOURCES hck/scan/ProcNetSource.java
//SOURCES hck/scan/ProcessFacts.java
//SOURCES hck/scan/ProcessMapper.java
//SOURCES hck/scan/ScanResult.java
//SOURCES hck/scan/Scanner.java
//SOURCES hck/scan/SocketSource.java
//SOURCES hck/scan/SsParser.java
//SOURCES hck/scan/SsSource.java
//SOURCES hck/scan/Unreadable.java
//SOURCES hck/sys/Host.java
//SOURCES hck/sys/InetDiag.java
//SOURCES hck/sys/KernelInfo.java
//SOURCES hck/sys/LibC.java
//SOURCES hck/sys/Netlink.java
//SOURCES hck/sys/Signals.java
//SOURCES hck/sys/SockDiag.java

package hck;

import hck.act.LiveLock;
import hck.bpf.Stamps;
import hck.check.*;
import hck.container.Containers;
import hck.io.*;
import hck.netns.Namespaces;
import hck.report.*;
import hck.rules.*;
import hck.run.*;
import hck.run.ExitCode;
import hck.scan.*;
import hck.sys.KernelInfo;
import org.slf4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.*;
import picocli.CommandLine.Model.*;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** hck, the Hung Connection Killer: load rules → scan → decide → act → report → exit code. */
@Command(name = "hck", mixinStandardHelpOptions = true, version = "hck " + Version.NUMBER, sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Finds and ends the TCP connections stuck in a closing state for too long:",
            "those in CLOSE_WAIT, FIN_WAIT1/2, CLOSING, LAST_ACK or TIME_WAIT past their timeouts. It",
            "reports them (log on stderr, JSON with --json) and, in live mode, terminates exactly those sockets.",
            "ESTABLISHED, LISTEN, SYN_SENT and SYN_RECV sockets and protected processes are never touched."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success: no hung connections, all terminated, or a dry run",
            "1:some terminations failed, a veto command could not run, a result could not be written, or an internal error",
            "2:usage or configuration error (nothing was touched)",
            "3:not run: another live run holds the lock",
            "130/143:stopped by SIGINT/SIGTERM (live: after the kill in progress, with the record written)",
            "--check:0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage errors and timeouts included)"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  hck --dry-run",
            "  hck --live --close-wait-timeout 30 --json /var/lib/hck/last.json",
            "  hck --dry-run --close-wait-timeout 30 --exclude-ports 22 3306 --json -",
            "  hck --dry-run --rules /etc/hck/rules.yaml --log-file /var/log/hck.log -v",
            "  hck --check -w 0 -c 10 --warning-state CLOSE_WAIT=5"})
public class hck implements Callable<Integer> {
    /** Under check_nrpe's own 10 s, so that a slow check is hck's UNKNOWN with its reason, not NRPE's socket timeout. */
    static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(9);
    /** When this JVM started running hck: check mode's -t counts from here. */
    static final long STARTED_NS = System.nanoTime();

    static class Mode {
        @Option(names = {"-n", "--dry-run"}, required = true, description = "Report hung connections and what live mode would do; touch nothing.")
        boolean dryRun;
        @Option(names = {"-l", "--live"}, required = true, description = "Terminate the hung connections.")
        boolean live;
        @Option(names = "--validate", required = true,
                description = "Check the rules (file and options) and exit: 0 valid, 2 invalid with the reason. Scans nothing.")
        boolean validate;
        @Option(names = "--check", required = true,
                description = "Nagios / Monitoring Plugins check: one status line on stdout, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Never terminates anything.")
        boolean check;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Mode (exactly one):%n")
    Mode mode;

    @Option(names = "--close-wait-timeout", paramLabel = "SEC", converter = DurationOption.class,
            description = "CLOSE_WAIT is hung after SEC (default 60). SEC: 30, 2.5, 30s, 1500ms, 2m, 1h.")
    Duration closeWaitTimeout;
    @Option(names = "--fin-wait-timeout", paramLabel = "SEC", converter = DurationOption.class,
            description = "FIN_WAIT1 and FIN_WAIT2 are hung after SEC (default 120).")
    Duration finWaitTimeout;
    @Option(names = "--time-wait-timeout", paramLabel = "SEC", converter = DurationOption.class,
            description = "TIME_WAIT is hung after SEC (default 120; Linux ends TIME_WAIT at 60 s, so only values below 60 ever fire).")
    Duration timeWaitTimeout;
    @Option(names = "--exclude-ports", arity = "1..*", paramLabel = "PORT",
            description = "Never touch sockets whose local or remote port is listed (default 22). Replaces the rules file's list. "
                    + "'22 3306', 22 3306 and 22,3306 all work.")
    List<String> excludePorts;
    @Option(names = "--include-ports", arity = "1..*", paramLabel = "PORT",
            description = "Only sockets whose local or remote port is listed (default: all ports).")
    List<String> includePorts;
    @Option(names = "--exclude-processes", arity = "1..*", paramLabel = "NAME",
            description = "Never touch sockets of these process names (exact or glob). Replaces the rules file's list.")
    List<String> excludeProcesses;
    @Option(names = "--exclude-containers", arity = "1..*", paramLabel = "GLOB",
            description = "Never touch sockets of these containers: globs over NS/POD for a Kubernetes pod's containers and over container "
                    + "names. Replaces the rules file's exclude_containers.")
    List<String> excludeContainers;
    @Option(names = "--rules", paramLabel = "FILE",
            description = "Rules file (default " + "/etc/hck/rules.yaml" + " if present, else the built-in rules; 'built-in': the built-in "
                    + "rules whatever files exist).")
    Path rulesFile;
    @Option(names = "--insecure-rules",
            description = "As root, accept a rules file that someone other than root could have written (by default refused, "
                    + "as sshd's StrictModes: its veto_command would run as root).")
    boolean insecureRules;
    @Option(names = "--json", paramLabel = "FILE",
            description = "Write the JSON result document to FILE: a regular file is replaced atomically, a device such as /dev/null "
                    + "is written in place ('-' = stdout).")
    String json;
    @Option(names = "--udp", description = "Also report UDP sockets whose receive queue stays full or whose drop counter grows (rules: udp:).")
    boolean udp;
    @Option(names = "--prometheus", paramLabel = "FILE",
            description = "Write metrics for node_exporter's textfile collector to FILE, atomically (e.g. /var/lib/node_exporter/textfile_collector/hck.prom).")
    Path prometheus;
    @Option(names = "--notify", paramLabel = "URL",
            description = "Post to a Slack, Discord or generic webhook after a live run that terminated or failed something, and in check mode "
                    + "when the status changed (repeatable; URL or KIND=URL, KIND: slack, discord, webhook; replaces the rules file's notify list).")
    List<String> notify;
    @Option(names = "--log-file", paramLabel = "FILE", description = "Also append the log to FILE.")
    Path logFile;
    @Option(names = "--log-limit", paramLabel = "N", description = "Log hung sockets one by one up to N (the oldest first), the rest as one "
            + "line per process and state (default 500, rules: log_limit; 0: every one). The JSON always lists every socket.")
    Integer logLimit;
    @Option(names = {"-v", "--verbose"}, description = "Debug log, with the skip reason of every socket not reported as hung.")
    boolean verbose;
    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "auto",
            description = "Where sockets come from: ${COMPLETION-CANDIDATES} (auto: netlink, else ss, else /proc; default ${DEFAULT-VALUE}).")
    Scanner.Choice source;

    @ArgGroup(exclusive = false, heading = "%nCheck mode (with --check only):%n")
    CheckLimits limits;

    @ArgGroup(exclusive = true, heading = "%nNetwork namespaces (one of; default: hck's own, or the rules file's netns):%n")
    Where where;
    @ArgGroup(exclusive = false, heading = "%nAs a node agent (a DaemonSet's pod, a container):%n")
    NodeAgent agent = new NodeAgent();
    @Option(names = "--lock-file", paramLabel = "FILE", defaultValue = "/run/hck.lock",
            description = "Lock that keeps live runs from overlapping (default ${DEFAULT-VALUE}); a second live run exits 3.")
    Path lockFile;
    @Option(names = "--state-file", paramLabel = "FILE",
            description = "First-seen ages for sockets the kernel gives no age for (default /var/lib/hck/state.json as root, "
                    + "else ~/.local/state/hck/state.json).")
    Path stateFile;

    private Logger log;
    private String rulesOrigin;

    public static void main(String[] args) {
        NetlinkSource.loadInBackground(); // JNA's native library loads while picocli reads the command line
        CommandLine cmd = commandLine();
        int code = cmd.execute(args);
        System.exit(Guard.exitCode(code, ((hck) cmd.getCommand()).mode != null && ((hck) cmd.getCommand()).mode.check));
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new hck()).setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((ex, args) -> CliErrors.handle(ex, args, Mode.class));
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            hck h = (hck) c.getCommand();
            return CliErrors.internal(ex, h.mode != null && h.mode.check, h.verbose);
        });
        return cmd;
    }

    /** load rules → Sweep (scan) → Verdicts (decide) → Foresight → Kills (act) → RunReport → Publish (report) → exit code. */
    @Override
    public Integer call() {
        Stopwatch clock = new Stopwatch();
        RunMode runMode = mode.live ? RunMode.LIVE : mode.check ? RunMode.CHECK : RunMode.DRY_RUN;
        Guard.install(runMode, limits == null || limits.timeout == null ? DEFAULT_CHECK_TIMEOUT : limits.timeout, STARTED_NS, agent.every != null);
        try {
            log = Logs.open(logFile, verbose, mode.check);
            Rules rules = loadRules();
            Outputs outputs = Outputs.check(json, prometheus, RunMemory.defaultPath(stateFile), mode.check);
            if (mode.validate) {
                log.info("Rules {} are valid", rulesOrigin);
                return ExitCode.OK;
            }
            if (!mode.check && limits != null) throw new UsageError("-w, -c, --warning-state, --critical-state and -t belong to --check");
            agent.settle(mode.check);
            if (mode.live && !Credentials.has(Credentials.CAP_NET_ADMIN)) { // what SOCK_DESTROY asks for
                throw new UsageError("live mode needs root (or CAP_NET_ADMIN): nothing was touched");
            }
            if (agent.every == null) return cycle(runMode, rules, clock, outputs);
            try (MetricsServer server = agent.metricsListen == null ? null : MetricsServer.listen(agent.metricsListen, agent.every)) {
                Outputs served = outputs.serving(server);
                return Resident.repeat(agent.every, () -> cycle(runMode, rules, new Stopwatch(), served), server, log);
            }
        } catch (UsageError | RulesException | IllegalArgumentException | IOException e) { // before the scan: the log, an output, the rules
            return usageError(e.getMessage());
        } finally {
            CheckAnswer.runDone();
            Logs.flush();
        }
    }

    /** One run as its own: the namespaces and containers as they are now, the lock held while it runs in live mode. */
    private int cycle(RunMode runMode, Rules rules, Stopwatch clock, Outputs outputs) {
        try {
            // --netns / --all-netns, else the rules file's netns key, else hck's own namespace
            String netns = where == null ? rules.netns() : where.all ? "all" : where.netns;
            Containers containers = new Containers(why -> log.debug("Container unknown: {}", why));
            var namespaces = Namespaces.byContainer(Namespaces.select(netns, log::warn), containers, where == null ? null : where.netns);
            try (LiveLock lock = mode.live ? LiveLock.acquire(lockFile) : null; // the stamps last: a run refused before its scan installs none
                 Stamps stamps = Stamps.open(Path.of(rules.stamps().pin()), !rules.stamps().on(), KernelInfo.currentRelease())) {
                return run(new Plan(runMode, rules, rulesOrigin, source, namespaces, containers,
                        new RunMemory(RunMemory.defaultPath(stateFile), log::warn), clock, log, stamps), outputs);
            }
        } catch (LiveLock.Held e) {
            log.error("{}: not run", e.getMessage());
            return ExitCode.LOCKED;
        } catch (IllegalArgumentException | IOException e) { // a namespace, the lock
            return usageError(e.getMessage());
        } finally {
            Logs.flush();
        }
    }

    /**
     * Past the scan, nothing is a usage error: a failure is exit 1 (UNKNOWN for the check) with one
     * ERROR line naming it, and once live mode acted, the counters of what it did are saved. (The
     * outputs' own failures are Publish's: each is logged, the rest still written, exit 1.)
     */
    private int run(Plan plan, Outputs outputs) {
        Acted acted = new Acted();
        try {
            LogReport report = new LogReport(log, plan.mode() == RunMode.DRY_RUN, plan.rules().reporting().logLimit(), outputs.listedIn());
            report.banner(Version.NUMBER, plan.mode().banner, rulesOrigin, Durations.perState(plan.rules().timeouts()));
            KernelInfo kernel = KernelInfo.probe(plan.live());
            log.info(kernel.describe());
            log.info(plan.stamps().describe());
            Sweep sweep = Sweep.run(plan);
            Verdicts verdicts = Verdicts.of(plan, sweep, report::notListed);
            // the forecasts on a second core while this one acts and keeps the record
            Foresight.Pending foresight = Foresight.beside(plan, sweep, verdicts);
            if (plan.live()) {
                report.decisions(verdicts.listed(), verdicts.hung(), verdicts.holders()); // live mode says what it found before it acts
                acted.record(plan, Kills.perNamespace(plan, sweep, verdicts, kernel));
            }
            RunReport outcome = RunReport.of(plan, sweep, verdicts, acted.results(), report::outcome);
            return new Publish(plan, outputs, report).all(kernel, sweep, verdicts, outcome, foresight.get());
        } catch (UsageError e) { // the scan refused (its source, a namespace, the owners): nothing was touched
            return usageError(e.getMessage());
        } catch (RuntimeException e) {
            return acted.failure(plan, e, verbose);
        }
    }

    /** The rules file (or the built-in rules), then what the command line says over it. */
    private Rules loadRules() throws RulesException {
        Path file = RulesFile.chosen(rulesFile);
        rulesOrigin = file == null ? "built-in" : file.toString();
        return overrides().applyTo(file == null ? Rules.BUILT_IN : RulesFile.load(file, insecureRules), mode.check);
    }

    Overrides overrides() {
        return new Overrides(closeWaitTimeout, finWaitTimeout, timeWaitTimeout, excludePorts, includePorts, excludeProcesses, excludeContainers, udp,
                notify, logLimit,
                limits == null ? null : new Overrides.Limits(limits.warning, limits.critical, limits.warningState, limits.criticalState));
    }

    private int usageError(String message) {
        if (mode != null && mode.check) {
            CheckAnswer.answer("HCK UNKNOWN: " + message);
            return Status.UNKNOWN.exitCode;
        }
        if (log != null) log.error(message); else System.err.println("hck: " + message);
        return ExitCode.USAGE;
    }
}

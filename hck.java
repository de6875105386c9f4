///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.3
//DEPS com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.21.3
//DEPS ch.qos.logback:logback-classic:1.5.38
//DEPS net.java.dev.jna:jna:5.19.1
//RUNTIME_OPTIONS -XX:+UseParallelGC -XX:ParallelGCThreads=2 -Xmn24m -XX:MaxTenuringThreshold=0 -XX:TieredStopAtLevel=1 -Xlog:disable -Xlog:all=warning,cds*=off:stderr --enable-native-access=ALL-UNNAMED
//CDS
//SOURCES hck/sys/KernelInfo.java
//SOURCES hck/act/LiveLock.java
//SOURCES hck/act/PidFds.java
//SOURCES hck/act/Result.java
//SOURCES hck/act/ShutdownMethod.java
//SOURCES hck/act/Signaller.java
//SOURCES hck/sys/SockDiag.java
//SOURCES hck/act/Terminator.java
//SOURCES hck/check/CheckAnswer.java
//SOURCES hck/check/NagiosCheck.java
//SOURCES hck/rules/Range.java
//SOURCES hck/check/Status.java
//SOURCES hck/rules/Thresholds.java
//SOURCES hck/decide/AgeSource.java
//SOURCES hck/decide/Decider.java
//SOURCES hck/decide/Decision.java
//SOURCES hck/decide/Diagnosis.java
//SOURCES hck/decide/Verdict.java
//SOURCES hck/io/AtomicFile.java
//SOURCES hck/io/Background.java
//SOURCES hck/io/ProcFiles.java
//SOURCES hck/io/SafeFiles.java
//SOURCES hck/model/Addresses.java
//SOURCES hck/model/Endpoint.java
//SOURCES hck/model/Owner.java
//SOURCES hck/model/Printable.java
//SOURCES hck/model/Retrans.java
//SOURCES hck/model/SocketTimer.java
//SOURCES hck/model/TcpSocket.java
//SOURCES hck/model/TcpState.java
//SOURCES hck/model/UdpInfo.java
//SOURCES hck/netns/Namespace.java
//SOURCES hck/netns/Namespaces.java
//SOURCES hck/netns/NetnsSwitch.java
//SOURCES hck/notify/Event.java
//SOURCES hck/notify/Notifier.java
//SOURCES hck/notify/Payloads.java
//SOURCES hck/rules/Target.java
//SOURCES hck/report/JsonReport.java
//SOURCES hck/report/LogReport.java
//SOURCES hck/report/Logs.java
//SOURCES hck/report/OneLinePerEntry.java
//SOURCES hck/report/Outcome.java
//SOURCES hck/report/Prometheus.java
//SOURCES hck/report/RunInfo.java
//SOURCES hck/report/Summary.java
//SOURCES hck/rules/Durations.java
//SOURCES hck/rules/Names.java
//SOURCES hck/rules/Rules.java
//SOURCES hck/rules/RulesException.java
//SOURCES hck/rules/RulesLoader.java
//SOURCES hck/scan/NetlinkSource.java
//SOURCES hck/scan/Owners.java
//SOURCES hck/scan/ProcNetParser.java
//SOURCES hck/scan/ProcNetSource.java
//SOURCES hck/scan/ProcessMapper.java
//SOURCES hck/scan/ScanResult.java
//SOURCES hck/scan/Scanner.java
//SOURCES hck/scan/SocketSource.java
//SOURCES hck/scan/SsParser.java
//SOURCES hck/scan/SsSource.java
//SOURCES hck/run/StateFile.java
//SOURCES hck/sys/Credentials.java
//SOURCES hck/sys/LibC.java
//SOURCES hck/sys/Netlink.java
//SOURCES hck/sys/Signals.java

package hck;

import hck.sys.KernelInfo;
import hck.act.LiveLock;
import hck.act.Result;
import hck.act.Terminator;
import hck.check.CheckAnswer;
import hck.check.NagiosCheck;
import hck.rules.Range;
import hck.check.Status;
import hck.rules.Thresholds;
import hck.decide.Decider;
import hck.notify.Event;
import hck.notify.Notifier;
import hck.rules.Target;
import hck.netns.Namespace;
import hck.netns.Namespaces;
import hck.netns.NetnsSwitch;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.TcpSocket;
import hck.model.TcpState;
import hck.report.JsonReport;
import hck.report.LogReport;
import hck.report.Logs;
import hck.report.Outcome;
import hck.report.Prometheus;
import hck.report.RunInfo;
import hck.report.Summary;
import hck.io.AtomicFile;
import hck.io.SafeFiles;
import hck.sys.Credentials;
import hck.sys.Signals;
import hck.io.Background;
import hck.io.ProcFiles;
import hck.rules.Durations;
import hck.rules.Rules;
import hck.rules.RulesException;
import hck.rules.RulesLoader;
import hck.run.StateFile;
import hck.scan.NetlinkSource;
import hck.scan.Owners;
import hck.scan.ScanResult;
import hck.scan.Scanner;
import org.slf4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** hck, the Hung Connection Killer: load rules → scan → decide → act → report → exit code. */
@Command(name = "hck", mixinStandardHelpOptions = true, version = "hck " + hck.VERSION, sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Finds TCP connections stuck in CLOSE_WAIT, FIN_WAIT1/2, CLOSING, LAST_ACK or TIME_WAIT for too long,",
            "reports them (log on stderr, JSON with --json) and, in live mode, terminates exactly those sockets.",
            "ESTABLISHED, LISTEN, SYN_SENT and SYN_RECV sockets and protected processes are never touched."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success: no hung connections, all terminated, or a dry run",
            "1:some terminations failed, a veto command could not run, or a result could not be written",
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
    static final String VERSION = "0.1.0";
    /** Under check_nrpe's own 10 s, so that a slow check is hck's UNKNOWN with its reason, not NRPE's socket timeout. */
    static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(9);
    /** When this JVM started running hck: check mode's -t counts from here. */
    static final long STARTED_NS = System.nanoTime();
    static final Path DEFAULT_RULES = Path.of("/etc/hck/rules.yaml");

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

    @Option(names = "--close-wait-timeout", paramLabel = "SEC", converter = DurationConverter.class,
            description = "CLOSE_WAIT is hung after SEC (default 60). SEC: 30, 2.5, 30s, 1500ms, 2m, 1h.")
    Duration closeWaitTimeout;

    @Option(names = "--fin-wait-timeout", paramLabel = "SEC", converter = DurationConverter.class,
            description = "FIN_WAIT1 and FIN_WAIT2 are hung after SEC (default 120).")
    Duration finWaitTimeout;

    @Option(names = "--time-wait-timeout", paramLabel = "SEC", converter = DurationConverter.class,
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

    @Option(names = "--rules", paramLabel = "FILE",
            description = "Rules file (default " + "/etc/hck/rules.yaml" + " if present, else the built-in rules).")
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

    @Option(names = "--notify", paramLabel = "[KIND=]URL",
            description = "Post to a Slack, Discord or generic webhook after a live run that terminated or failed something, and in check mode "
                    + "when the status changed (repeatable; KIND: slack, discord, webhook; replaces the rules file's notify list).")
    List<String> notify;

    @Option(names = "--log-file", paramLabel = "FILE", description = "Also append the log to FILE.")
    Path logFile;

    @Option(names = {"-v", "--verbose"}, description = "Debug log, with the skip reason of every socket not reported as hung.")
    boolean verbose;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "auto",
            description = "Where sockets come from: auto (netlink, else ss, else /proc), netlink, ss, proc (default ${DEFAULT-VALUE}).")
    String source;

    @Option(names = {"-w", "--warning"}, paramLabel = "RANGE",
            description = "Check mode: WARNING when the number of hung sockets is outside RANGE (default 0: any). Ranges: 10, 10:, ~:10, 10:20, @10:20.")
    String warning;

    @Option(names = {"-c", "--critical"}, paramLabel = "RANGE", description = "Check mode: CRITICAL threshold (default 10).")
    String critical;

    @Option(names = "--warning-state", paramLabel = "STATE=RANGE", description = "Check mode: a WARNING threshold for one state's hung count.")
    List<String> warningState;

    @Option(names = "--critical-state", paramLabel = "STATE=RANGE", description = "Check mode: a CRITICAL threshold for one state's hung count.")
    List<String> criticalState;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SEC", converter = DurationConverter.class,
            description = "Check mode: answer UNKNOWN after SEC, counted from the start (default 9: under check_nrpe's 10).")
    Duration timeout;

    @Option(names = "--netns", paramLabel = "NAME|PATH",
            description = "Scan and act inside this network namespace only: a name under /run/netns, or a path such as /proc/PID/ns/net.")
    String netns;

    @Option(names = "--all-netns",
            description = "Scan and act in hck's own network namespace and in every other one on the host (named, or held by a process).")
    boolean allNetns;

    @Option(names = "--lock-file", paramLabel = "FILE", defaultValue = "/run/hck.lock",
            description = "Lock that keeps live runs from overlapping (default ${DEFAULT-VALUE}); a second live run exits 3.")
    Path lockFile;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "First-seen ages for sockets the kernel gives no age for (default /var/lib/hck/state.json as root, "
                    + "else ~/.local/state/hck/state.json).")
    Path stateFile;

    private Logger log;

    public static void main(String[] args) {
        // JNA's native library takes ~0.1 s to load; let it load while picocli reads the command line
        Thread jna = new Thread(NetlinkSource::available, "hck-jna-load");
        jna.setDaemon(true);
        jna.start();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new hck());
        cmd.setParameterExceptionHandler((ex, args) -> {
            String msg = ex.getMessage().replaceFirst("^Error: ", "");
            if (msg.contains("(-n | -l | --validate | --check)")) msg = "choose one mode: --dry-run, --live or --check";
            if (java.util.Arrays.asList(args).contains("--check")) {
                System.out.println("HCK UNKNOWN: " + msg);
                return 3;
            }
            System.err.println("hck: " + msg + " (see hck --help)");
            return 2;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            hck h = (hck) c.getCommand();
            if (h.mode != null && h.mode.check) {
                System.out.println("HCK UNKNOWN: internal error: " + ex);
                return 3;
            }
            System.err.println("hck: internal error: " + ex);
            if (h.verbose) ex.printStackTrace();
            return 2;
        });
        return cmd;
    }

    @Override
    public Integer call() throws Exception {
        try {
            return runAll();
        } finally {
            CheckAnswer.runDone();
            Logs.flush();
        }
    }

    private Integer runAll() throws Exception {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        // -t covers the whole run, from the JVM's first line of hck: opening the log included
        if (mode.check) CheckAnswer.watchdog(timeout == null ? DEFAULT_CHECK_TIMEOUT : timeout, STARTED_NS, Logs::flush);
        Signals.install(mode.live, code -> {
            // nothing to finish outside live mode: no temp file left behind, the log as far as it got
            AtomicFile.abandonAll();
            if (mode.check) CheckAnswer.answer("HCK UNKNOWN: stopped by " + Signals.stopRequested());
            Logs.flush();
            Runtime.getRuntime().halt(mode.check ? Status.UNKNOWN.exitCode : code);
        });
        OutputStream logOut;
        try {
            logOut = logFile == null ? null : SafeFiles.appendStream("--log-file", logFile);
        } catch (IOException e) {
            return usageError(e instanceof SafeFiles.Refused ? e.getMessage() : "cannot write log file " + logFile + ": " + e.getMessage());
        }
        Logs.configure(verbose ? ch.qos.logback.classic.Level.DEBUG : mode.check ? ch.qos.logback.classic.Level.ERROR
                : ch.qos.logback.classic.Level.INFO, logOut);
        log = Logs.log();

        // load rules
        Rules rules;
        String rulesOrigin;
        Scanner.Choice choice;
        try {
            Path file = rulesFile != null ? rulesFile : Files.exists(DEFAULT_RULES) ? DEFAULT_RULES : null;
            if (file != null && !insecureRules) SafeFiles.requireRootOnly("rules file", file, "--insecure-rules accepts it");
            rules = file == null ? Rules.BUILT_IN : RulesLoader.load(file);
            rulesOrigin = file == null ? "built-in" : file.toString();
            rules = withCommandLine(rules);
            if (mode.check) rules = rules.withCheck(thresholds(rules.check()));
            if (udp) rules = rules.withUdp(new Rules.Udp(true, rules.udp().minQueue(), rules.udp().timeout(), rules.udp().terminate()));
            if (notify != null) {
                List<Target> targets = new ArrayList<>();
                for (String n : notify) targets.add(Target.parse(n, null));
                rules = rules.withNotify(targets);
            }
            choice = Scanner.Choice.valueOf(source.toUpperCase(java.util.Locale.ROOT));
            if (allNetns && netns != null) throw new IllegalArgumentException("--netns and --all-netns are mutually exclusive");
            checkOutputs();
        } catch (RulesException | IllegalArgumentException | IOException e) {
            return usageError(e.getMessage().startsWith("No enum constant") ? "--source must be auto, netlink, ss or proc" : e.getMessage());
        }
        if (mode.validate) {
            log.info("Rules {} are valid", rulesOrigin);
            return 0;
        }
        if (!mode.check && (warning != null || critical != null || warningState != null || criticalState != null || timeout != null)) {
            return usageError("-w, -c, --warning-state, --critical-state and -t belong to --check");
        }
        if (mode.live && !Credentials.has(Credentials.CAP_NET_ADMIN)) { // what SOCK_DESTROY asks for
            return usageError("live mode needs root (or CAP_NET_ADMIN): nothing was touched");
        }
        List<Namespace> namespaces;
        try {
            namespaces = namespaces(rules);
        } catch (IllegalArgumentException | IOException e) {
            return usageError(e.getMessage());
        }
        LiveLock lock = null;
        if (mode.live) {
            try {
                lock = LiveLock.acquire(lockFile);
            } catch (LiveLock.Held e) {
                log.error("{}: not run", e.getMessage());
                return 3;
            } catch (IOException e) {
                return usageError(e instanceof SafeFiles.Refused ? e.getMessage() : "cannot take the lock " + lockFile + ": " + e.getMessage());
            }
        }
        try {
            return run(rules, rulesOrigin, choice, namespaces, startedAt, t0);
        } catch (IOException e) {
            // whatever failed, say what it was, and whether anything had been touched by then
            if (!acted) return usageError(e.getMessage() + ": nothing was touched");
            log.error("{}: the run stopped after it began terminating", e.getMessage());
            return 1;
        } finally {
            if (lock != null) lock.close();
        }
    }

    /** Set when live mode starts acting: from then on a failure can no longer say "nothing was touched". */
    private boolean acted;
    private SafeFiles.Output jsonOut, prometheusOut;

    /** One namespace's scan: what it found, the scanner to look again with, its own tcp_fin_timeout. */
    record NsScan(Namespace ns, Scanner scanner, ScanResult result, ScanResult udp, Duration finTimeout) {}

    /** scan → decide → act → report; returns the exit code. */
    private int run(Rules rules, String rulesOrigin, Scanner.Choice choice, List<Namespace> namespaces, Instant startedAt, long t0)
            throws IOException {
        LogReport report = new LogReport(log, mode.dryRun);
        report.banner(VERSION, mode.dryRun ? "DRY RUN" : mode.live ? "LIVE" : "CHECK", rulesOrigin, timeoutsText(rules));
        KernelInfo kernel = KernelInfo.probe(mode.live);
        log.info(kernel.describe());
        log.debug("Kernel probed at {} ms", (System.nanoTime() - t0) / 1_000_000);

        // scan, each namespace from inside itself; then owners and first sightings for all at once
        long now = System.currentTimeMillis();
        List<NsScan> scans = new ArrayList<>();
        // the /proc pass for the owners starts during the dump, at its first socket a process may hold
        java.util.concurrent.atomic.AtomicReference<Owners.Prefetch> owners = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable startOwners = () -> {
            if (owners.get() == null) owners.set(Owners.Prefetch.start());
        };
        for (Namespace ns : namespaces) {
            try {
                scans.add(NetnsSwitch.inside(ns, () -> {
                    Scanner scanner = new Scanner(choice, log::warn).onFirstOwnedCandidate(startOwners);
                    ScanResult tcp = scanner.scan().inNetns(ns.label());
                    ScanResult udp = rules.udp().enabled() ? scanner.scanUdp().inNetns(ns.label()) : null;
                    return new NsScan(ns, scanner, tcp, udp, finTimeout());
                }));
            } catch (NetnsSwitch.Unavailable e) {
                if (ns.own()) return usageError(e.getMessage());
                log.warn("{}: skipped", e.getMessage());
            } catch (IOException e) {
                return usageError("cannot scan sockets" + (ns.own() ? "" : " in network namespace " + ns.display()) + ": " + e.getMessage());
            }
        }
        List<TcpSocket> candidates = new ArrayList<>();
        scans.forEach(n -> candidates.addAll(n.result().candidates()));
        log.debug("Scan done at {} ms: {} candidates", (System.nanoTime() - t0) / 1_000_000, candidates.size());
        // the state file is read and written only when there is something to keep in it
        StateFile state = candidates.stream().anyMatch(StateFile::needs) || mode.live || prometheus != null || rules.udp().enabled()
                || (mode.check && !rules.notifications().isEmpty())
                ? new StateFile(stateFile(), log::warn) : null;
        if (rules.udp().enabled()) {
            // UDP candidates: the sockets with a queue at the threshold, or with a growing drop counter
            List<TcpSocket> udp = new ArrayList<>();
            scans.forEach(n -> udp.addAll(n.udp().candidates()));
            for (TcpSocket u : state.stampUdp(udp, now, rules.udp().minQueue())) {
                if (u.recvQ() >= rules.udp().minQueue() || u.udp().dropsGrew()) candidates.add(u);
            }
        }
        Owners.Attached attached = Owners.attachCounting(candidates, log::warn, owners.get());
        List<TcpSocket> owned = attached.sockets();
        log.debug("Owners done at {} ms", (System.nanoTime() - t0) / 1_000_000);
        List<TcpSocket> sockets = state == null ? owned : state.stamp(owned, now);
        long scanned = scans.stream().mapToLong(n -> n.result().scanned() + (n.udp() == null ? 0 : n.udp().scanned())).sum();
        long parseErrors = scans.stream().mapToLong(n -> n.result().parseErrors()).sum();
        String source = scans.stream().map(n -> n.result().source()).distinct().collect(Collectors.joining("+"));
        log.info("Found {} total connections{}", scanned, scans.size() > 1 ? " in " + scans.size() + " network namespaces" : "");
        log.debug("First sightings done at {} ms", (System.nanoTime() - t0) / 1_000_000);
        if (parseErrors > 0) log.warn("Skipped {} unparseable lines of {} output", parseErrors, source);

        // decide, each namespace with its own tcp_fin_timeout
        long self = ProcessHandle.current().pid();
        Map<String, Decider> deciders = new java.util.HashMap<>();
        // the check never acts: it judges sockets whose owner it could not see by their age, so that an
        // unprivileged check (NRPE runs as nagios) never says OK beside hung sockets it cannot attribute
        scans.forEach(n -> deciders.put(n.ns().label(), new Decider(rules, self, n.finTimeout(), mode.check)));
        // a pure function of each socket: on every core (190k decisions, each with its reason sentence)
        List<Decision> decisions = sockets.parallelStream().map(s -> deciders.get(s.netns()).decide(s, now)).toList();
        List<Decision> listed = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.verdict() == Verdict.NONE) report.notListed(d); else listed.add(d);
        }
        log.debug("Decisions done at {} ms", (System.nanoTime() - t0) / 1_000_000);
        // hung first, oldest first (primitive comparison: a boxed Long per comparison was 6M objects at 190k)
        listed.sort((a, b) -> a.verdict() != b.verdict() ? a.verdict().compareTo(b.verdict()) : Long.compare(b.ageMs(), a.ageMs()));
        List<Decision> hung = listed.stream().filter(d -> d.verdict() == Verdict.HUNG).toList();
        // live mode says what it found before it acts; the other modes say it while the JSON is written
        if (mode.live) logDecisions(report, listed, hung);

        // act, inside each socket's own namespace
        Map<TcpSocket, Result> results = new java.util.IdentityHashMap<>();
        if (mode.live) {
            acted = true;
            for (NsScan n : scans) {
                List<TcpSocket> mine = hung.stream().map(Decision::socket).filter(s -> java.util.Objects.equals(s.netns(), n.ns().label()))
                        .filter(s -> s.udp() == null || rules.udp().terminate()).toList();
                if (mine.isEmpty()) continue;
                try {
                    results.putAll(NetnsSwitch.inside(n.ns(), () ->
                            new Terminator(rules.termination(), kernel, n.scanner()::rescan, log, self).terminate(mine)));
                } catch (NetnsSwitch.Unavailable e) {
                    log.warn("{}: its sockets were not terminated", e.getMessage());
                    mine.forEach(s -> results.put(s, Result.gone("its network namespace vanished before hck got to it")));
                }
            }
        }
        List<Outcome> outcomes = new ArrayList<>(listed.size());
        for (Decision d : listed) {
            boolean reportOnly = d.socket().udp() != null && !rules.udp().terminate();
            Outcome o = d.verdict() != Verdict.HUNG ? Outcome.of(d, Outcome.NONE)
                    : reportOnly ? new Outcome(d, Verdict.HUNG, d.reason() + "; reported only (udp action: report)", Outcome.NONE, null)
                    : mode.dryRun ? Outcome.of(d, Outcome.WOULD_TERMINATE)
                    : mode.check ? Outcome.of(d, Outcome.NONE) : outcome(d, results.get(d.socket()));
            if (mode.live && d.verdict() == Verdict.HUNG) report.outcome(o);
            outcomes.add(o);
        }

        // report
        log.debug("Actions done at {} ms", (System.nanoTime() - t0) / 1_000_000);
        Summary summary = summarize(scanned, candidates.size(), outcomes);
        List<Summary.PerNetns> perNetns = new ArrayList<>();
        for (NsScan n : scans) {
            if (scans.size() == 1) { // the whole run: no need to sort 190k outcomes by namespace
                perNetns.add(new Summary.PerNetns(n.ns().label(), summary));
                break;
            }
            List<Outcome> mine = outcomes.stream().filter(o -> java.util.Objects.equals(o.decision().socket().netns(), n.ns().label())).toList();
            long nsCandidates = candidates.stream().filter(c -> java.util.Objects.equals(c.netns(), n.ns().label())).count();
            perNetns.add(new Summary.PerNetns(n.ns().label(), summarize(n.result().scanned() + (n.udp() == null ? 0 : n.udp().scanned()),
                    nsCandidates, mine)));
        }
        RunInfo run = new RunInfo(VERSION, hostName(), mode.dryRun ? "dry-run" : mode.live ? "live" : "check", startedAt,
                (System.nanoTime() - t0) / 1_000_000, source, kernel, rulesOrigin, parseErrors);
        // the JSON document on a second core while this one formats the log: each is a second at 190k sockets
        Background jsonWriter = json == null ? null : Background.start("hck-json", () -> writeJson(run, summary, perNetns, outcomes));
        if (!mode.live) logDecisions(report, listed, hung);
        report.summary(summary, scans.size() > 1 ? perNetns : List.of());
        boolean outputFailed = false;
        if (jsonWriter != null) {
            try {
                jsonWriter.join();
            } catch (IOException | RuntimeException e) {
                log.error("Could not write the JSON result to {}: {}", json, e.getMessage());
                outputFailed = true;
            }
        }
        log.debug("Log lines and JSON done at {} ms", (System.nanoTime() - t0) / 1_000_000);
        NagiosCheck.Result check = mode.check ? NagiosCheck.evaluate(hung, rules.check(), attached.unreadable()) : null;
        int exit = check != null ? check.status().exitCode : summary.failed() > 0 ? 1 : 0;
        String stopped = Signals.stopRequested();
        if (stopped != null) {
            long left = outcomes.stream().filter(o -> o.reason().contains("stopped by " + stopped)).count();
            log.warn("Stopped by {}: {} hung connection(s) left as they were; the record above is complete", stopped, left);
        }

        if (state != null) {
            if (mode.live) state.count(summary.terminated(), summary.failed());
            if (check != null || exit == 0) state.succeeded(startedAt.toEpochMilli() / 1000.0);
        }
        if (prometheus != null) {
            List<Decision> reallyHung = outcomes.stream().filter(o -> o.verdict() == Verdict.HUNG).map(Outcome::decision).toList();
            Prometheus.Run metrics = new Prometheus.Run(reallyHung, candidates, scans.stream().map(n -> n.ns().label()).toList(),
                    scanned, state.terminatedTotal(), state.failedTotal(), startedAt.toEpochMilli() / 1000.0, state.lastSuccess(),
                    (System.nanoTime() - t0) / 1e9, attached.unreadable());
            try {
                AtomicFile.write(prometheusOut, false, out -> Prometheus.write(out, metrics));
            } catch (IOException e) {
                log.error("Could not write the Prometheus file {}: {}", prometheus, e.getMessage());
                outputFailed = true;
            }
        }
        if (check != null) {
            // the status is saved and answered first; notifications only have what is left of -t
            String previous = state == null || state.lastCheck() == null ? Status.OK.name() : state.lastCheck();
            if (state != null) {
                if (!rules.notifications().isEmpty()) state.checked(check.status().name());
                state.save();
            }
            if (!CheckAnswer.answer(check.text(), exit)) return Status.UNKNOWN.exitCode;
            if (!previous.equals(check.status().name())) notify(rules, h -> Event.checkChanged(hostName(), check, previous, summary, h), outcomes);
            return exit;
        }
        if (mode.live && (summary.terminated() > 0 || summary.failed() > 0)) notify(rules, h -> Event.liveRun(hostName(), summary, h), outcomes);
        // the counters are the live record: losing them is a failure there, a warning elsewhere
        if (state != null && !state.save() && mode.live) outputFailed = true;
        if (stopped != null) return Signals.exitCode();
        // a result that could not be kept is not a success, whatever was done
        return outputFailed && exit == 0 ? 1 : exit;
    }

    /** The hung sockets, then (under -v) the skipped ones, then the per-process tallies. */
    private static void logDecisions(LogReport report, List<Decision> listed, List<Decision> hung) {
        report.hung(hung);
        listed.stream().filter(d -> d.verdict() == Verdict.SKIPPED).forEach(report::notListed);
        report.tallies(hung);
    }

    /**
     * After a live run that terminated or failed something; in check mode when the status changed
     * (after the status line: within what is left of -t, which ends the process whatever a receiver does).
     */
    private void notify(Rules rules, java.util.function.Function<List<Outcome>, Event> event, List<Outcome> outcomes) {
        if (rules.notifications().isEmpty()) return;
        try {
            new Notifier(log, VERSION).send(rules.notifications(), event.apply(outcomes.stream().filter(o -> o.verdict() == Verdict.HUNG).toList()));
        } catch (RuntimeException e) {
            log.warn("Notifications failed: {}", e.getClass().getSimpleName());
        }
    }

    /** --netns / --all-netns (or the rules file's netns key), else hck's own namespace. */
    private List<Namespace> namespaces(Rules rules) throws IOException {
        String which = allNetns ? "all" : netns != null ? netns : rules.netns();
        if (which == null) return List.of(Namespaces.own());
        if (which.equals("all")) return Namespaces.all(log::warn);
        return List.of(Namespaces.named(which));
    }

    private static Outcome outcome(Decision d, Result r) {
        return switch (r.action()) {
            case Result.TERMINATED -> new Outcome(d, Verdict.HUNG, r.note() == null ? d.reason() : d.reason() + "; " + r.note(),
                    Outcome.TERMINATED, r.method(), r.destroyResult());
            case Result.FAILED -> new Outcome(d, Verdict.HUNG, d.reason() + "; not terminated: " + r.note(), Outcome.FAILED, null, r.destroyResult());
            case Result.VETOED -> new Outcome(d, Verdict.SKIPPED, d.reason() + "; " + r.note(), Outcome.NONE, null, r.destroyResult());
            default -> new Outcome(d, Verdict.HUNG, d.reason() + "; " + r.note(), Outcome.NONE, null, r.destroyResult());
        };
    }

    static Summary summarize(long scanned, long candidates, List<Outcome> outcomes) {
        long hung = 0, skipped = 0, terminated = 0, failed = 0;
        for (Outcome o : outcomes) {
            if (o.verdict() == Verdict.HUNG) hung++;
            if (o.verdict() == Verdict.SKIPPED) skipped++;
            if (o.action().equals(Outcome.TERMINATED) || o.action().equals(Outcome.WOULD_TERMINATE)) terminated++;
            if (o.action().equals(Outcome.FAILED)) failed++;
        }
        return new Summary(scanned, candidates, hung, skipped, terminated, failed);
    }

    /** Command-line values override the rules file: timeouts per state, and the port and process lists as a whole. */
    Rules withCommandLine(Rules rules) {
        Map<TcpState, Duration> t = new EnumMap<>(rules.timeouts());
        if (closeWaitTimeout != null) t.put(TcpState.CLOSE_WAIT, closeWaitTimeout);
        if (finWaitTimeout != null) { t.put(TcpState.FIN_WAIT1, finWaitTimeout); t.put(TcpState.FIN_WAIT2, finWaitTimeout); }
        if (timeWaitTimeout != null) t.put(TcpState.TIME_WAIT, timeWaitTimeout);
        rules = rules.withTimeouts(t);
        if (excludePorts != null) rules = rules.withExcludePorts(ports("--exclude-ports", excludePorts));
        if (includePorts != null) rules = rules.withIncludePorts(ports("--include-ports", includePorts));
        if (excludeProcesses != null) rules = rules.withExcludeProcesses(words(excludeProcesses));
        return rules;
    }

    /** Accepts the seeds' list styles: {@code 22 3306}, {@code "22 3306"}, {@code 22,3306}; an empty string clears the list. */
    static List<String> words(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) for (String w : a.trim().split("[,\\s]+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    static List<Integer> ports(String option, List<String> args) {
        List<Integer> out = new ArrayList<>();
        for (String w : words(args)) {
            int p;
            try {
                p = Integer.parseInt(w);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) throw new IllegalArgumentException(option + ": '" + w + "' is not a port (1-65535)");
            out.add(p);
        }
        return out;
    }

    /** Every output is checked before anything is scanned or touched: a bad one is a usage error, never found after the kills. */
    private void checkOutputs() throws IOException {
        if ("-".equals(json) && mode.check) {
            throw new IllegalArgumentException("--json - would print the JSON before the check line on stdout: give --json a file");
        }
        if (json != null && !json.equals("-")) jsonOut = SafeFiles.output("--json", Path.of(json));
        if (prometheus != null) prometheusOut = SafeFiles.output("--prometheus", prometheus);
        SafeFiles.requireRegularOrAbsent("--state-file", stateFile());
    }

    private void writeJson(RunInfo run, Summary summary, List<Summary.PerNetns> perNetns, List<Outcome> outcomes) throws IOException {
        if (json.equals("-")) {
            JsonReport.write(System.out, run, summary, perNetns, outcomes);
            System.out.flush();
        } else {
            AtomicFile.write(jsonOut, false, out -> JsonReport.write(out, run, summary, perNetns, outcomes));
        }
    }

    private Path stateFile() {
        if (stateFile != null) return stateFile;
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/hck/state.json");
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("hck").resolve("state.json");
    }

    /** net.ipv4.tcp_fin_timeout of this network namespace: the life of an orphaned FIN_WAIT2 socket. */
    private static Duration finTimeout() {
        try {
            return Duration.ofSeconds(Long.parseLong(readProc("/proc/sys/net/ipv4/tcp_fin_timeout", "60")));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(60);
        }
    }

    private static String hostName() {
        String h = readProc("/proc/sys/kernel/hostname", null);
        return h != null ? h : System.getenv().getOrDefault("HOSTNAME", "unknown");
    }

    private static String readProc(String path, String fallback) {
        try {
            return ProcFiles.read(Path.of(path)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }

    private static String timeoutsText(Rules rules) {
        return TcpState.WATCHED_ORDER.stream().map(s -> s + "=" + Durations.text(rules.timeouts().get(s))).collect(Collectors.joining(", "));
    }

    private int usageError(String message) {
        if (mode != null && mode.check) {
            CheckAnswer.answer("HCK UNKNOWN: " + message);
            return 3;
        }
        if (log != null) log.error(message); else System.err.println("hck: " + message);
        return 2;
    }

    /** -w/-c/--warning-state/--critical-state over the rules file's check: section. */
    Thresholds thresholds(Thresholds base) {
        return new Thresholds(
                warning != null ? Range.parse(warning) : base.warning(),
                critical != null ? Range.parse(critical) : base.critical(),
                stateRanges("--warning-state", warningState, base.warningState()),
                stateRanges("--critical-state", criticalState, base.criticalState()));
    }

    private static Map<TcpState, Range> stateRanges(String option, List<String> args, Map<TcpState, Range> base) {
        if (args == null) return base;
        Map<TcpState, Range> out = new EnumMap<>(TcpState.class);
        out.putAll(base);
        for (String a : args) {
            int eq = a.indexOf('=');
            TcpState s = eq < 0 ? null : TcpState.parse(a.substring(0, eq));
            if (s == null || !s.watched()) throw new IllegalArgumentException(option + " " + a + ": use STATE=RANGE with a watched state, e.g. CLOSE_WAIT=5");
            out.put(s, Range.parse(a.substring(eq + 1)));
        }
        return out;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

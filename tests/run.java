///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
//SOURCES ../hck.java
//DEPS org.junit.jupiter:junit-jupiter:5.14.1
//DEPS org.junit.platform:junit-platform-launcher:1.14.1
//DEPS info.picocli:picocli-codegen:4.7.7
//DEPS io.fabric8:kubernetes-model-apps:8.0.0
//DEPS io.fabric8:kubernetes-model-core:8.0.0
//DEPS io.fabric8:openshift-model-monitoring:8.0.0
//SOURCES support/Env.java
//SOURCES support/Holder.java
//SOURCES support/Netns.java
//SOURCES support/LocalHttp.java
//SOURCES support/Peers.java
//SOURCES support/RaceProbe.java
//SOURCES support/Sandbox.java
//SOURCES support/SourceDump.java
//SOURCES support/Socks.java
//SOURCES support/BpfFs.java
//SOURCES unit/SsParserTest.java
//SOURCES unit/ProcNetParserTest.java
//SOURCES unit/RulesTest.java
//SOURCES unit/DeciderTest.java
//SOURCES unit/CliTest.java
//SOURCES unit/JsonReportTest.java
//SOURCES unit/ProcFilesTest.java
//SOURCES unit/LayoutTest.java
//SOURCES unit/StateFileTest.java
//SOURCES unit/CheckTest.java
//SOURCES unit/PrometheusTest.java
//SOURCES unit/LogsTest.java
//SOURCES unit/EscapingTest.java
//SOURCES unit/KernelPolicyTest.java
//SOURCES unit/RunReportTest.java
//SOURCES unit/EventTest.java
//SOURCES unit/LogLimitTest.java
//SOURCES unit/CgroupIdsTest.java
//SOURCES unit/ManifestsTest.java
//SOURCES unit/ManPageTest.java
//SOURCES it/DryRunNetnsTest.java
//SOURCES it/LiveNetnsTest.java
//SOURCES it/NetnsTest.java
//SOURCES it/MonitoringTest.java
//SOURCES it/UdpTest.java
//SOURCES it/AnsibleTest.java
//SOURCES it/DistributionTest.java
//SOURCES it/HostSafetyTest.java
//SOURCES it/KernelStatesTest.java
//SOURCES it/StampsTest.java
//SOURCES it/KernelOwnersTest.java
//SOURCES it/FleetSshTest.java
//SOURCES it/ClientsTest.java
//SOURCES it/ForesightTest.java
//SOURCES it/ContainersTest.java
//SOURCES it/RuntimeFilesTest.java

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole test suite: ./jbang tests/run.java; ./jbang tests/run.java REGEX runs the test classes whose name matches. Prints one line per test and
 * ends with "tests: N passed, N failed, N skipped"; exits 1 when anything failed.
 */
public class run {
    /** What is mounted at /sys/fs/bpf in this (the machine's) mount namespace, and whether hck's default pin is there. */
    static String bpffsState() {
        try {
            List<String> mounts = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals("/sys/fs/bpf")).map(l -> l.substring(l.indexOf(" - ") + 3).split(" ")[0]).toList();
            return "mounts " + mounts + ", /sys/fs/bpf/hck " + (java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/bpf/hck")) ? "present" : "absent");
        } catch (java.io.IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    public static void main(String[] args) {
        String pattern = args.length > 0 ? ".*(" + args[0] + ").*" : ".*Test";
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("hck"))
                .filters(ClassNameFilter.includeClassNamePatterns(pattern))
                .build();
        AtomicLong passed = new AtomicLong(), failed = new AtomicLong(), skipped = new AtomicLong();
        TestExecutionListener listener = new TestExecutionListener() {
            TestPlan plan;
            final java.util.Set<String> started = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public void testPlanExecutionStarted(TestPlan testPlan) {
                plan = testPlan;
            }

            @Override
            public void executionStarted(TestIdentifier id) {
                started.add(id.getUniqueId());
            }

            /** A class whose @BeforeAll aborted or failed ran none of its tests: each one counts as failed, never dropped from the tally. */
            private void notRun(TestIdentifier container, TestExecutionResult result) {
                long n = plan.getDescendants(container).stream().filter(TestIdentifier::isTest).filter(t -> !started.contains(t.getUniqueId())).count();
                if (n == 0) return;
                failed.addAndGet(n);
                System.out.println("FAIL " + name(container) + " > " + n + " test(s) not run: its set-up " + result.getStatus().name().toLowerCase()
                        + ": " + result.getThrowable().map(Throwable::getMessage).orElse(""));
            }
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                skipped.incrementAndGet();
                System.out.println("SKIP " + name(id) + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                boolean test = id.isTest();
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (test) { passed.incrementAndGet(); System.out.println("PASS " + name(id)); }
                    }
                    case ABORTED -> {
                        if (test) {
                            skipped.incrementAndGet();
                            System.out.println("SKIP " + name(id) + ": " + result.getThrowable().map(Throwable::getMessage).orElse(""));
                        } else {
                            notRun(id, result);
                        }
                    }
                    case FAILED -> {
                        if (!test) notRun(id, result);
                        failed.incrementAndGet();
                        System.out.println("FAIL " + name(id));
                        result.getThrowable().ifPresent(t -> {
                            System.out.println("     " + t);
                            StackTraceElement[] st = t.getStackTrace();
                            for (int i = 0; i < Math.min(st.length, 8); i++) System.out.println("       at " + st[i]);
                        });
                    }
                }
            }

            private String name(TestIdentifier id) {
                String uid = id.getUniqueId();
                int cls = uid.indexOf("[class:");
                String owner = cls < 0 ? "" : uid.substring(cls + 7, uid.indexOf(']', cls));
                owner = owner.substring(owner.lastIndexOf('.') + 1);
                return id.isTest() ? owner + " > " + id.getDisplayName() : owner;
            }
        };
        // hck's own default state files: a test must never leave one on the machine
        List<java.nio.file.Path> defaults = List.of(java.nio.file.Path.of("/var/lib/hck"),
                java.nio.file.Path.of(System.getProperty("user.home"), ".local/state/hck"));
        List<java.nio.file.Path> there = defaults.stream().filter(java.nio.file.Files::exists).toList();
        // nor stamps in the machine's bpffs: the mount at /sys/fs/bpf and what hck would pin there, as they were
        String bpffs = bpffsState();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        for (java.nio.file.Path p : defaults) {
            if (!there.contains(p) && java.nio.file.Files.exists(p)) {
                failed.incrementAndGet();
                System.out.println("FAIL run > the suite made " + p + " on this machine: a test ran hck without --state-file");
            }
        }
        if (!bpffs.equals(bpffsState())) {
            failed.incrementAndGet();
            System.out.println("FAIL run > the suite changed this machine's /sys/fs/bpf: " + bpffs + " before, " + bpffsState() + " after");
        }
        System.out.println("tests: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
        if (passed.get() + failed.get() + skipped.get() == 0) {
            System.out.println("no test matched " + pattern);
            System.exit(1);
        }
        System.exit(failed.get() > 0 ? 1 : 0);
    }
}

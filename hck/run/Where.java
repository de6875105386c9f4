package hck.run;

import picocli.CommandLine.Option;

/** Which network namespaces a run scans and acts in: one (--netns) or all of the host's (--all-netns). */
public class Where {
    @Option(names = "--netns", paramLabel = "NAME|PATH", required = true,
            description = "Scan and act inside this network namespace only: a name under /run/netns, or a path such as /proc/PID/ns/net.")
    public String netns;
    @Option(names = "--all-netns", required = true,
            description = "Scan and act in hck's own network namespace and in every other one on the host (named, or held by a process).")
    public boolean all;
}

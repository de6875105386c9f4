package hck.run;

import hck.netns.Namespace;
import hck.rules.Rules;
import hck.scan.Scanner;
import org.slf4j.Logger;

import java.util.List;

/** What this run was asked to do, settled before anything is scanned. */
public record Plan(RunMode mode, Rules rules, String rulesOrigin, Scanner.Choice source, List<Namespace> namespaces,
                   RunMemory memory, Stopwatch clock, Logger log) {
    public boolean live() {
        return mode == RunMode.LIVE;
    }

    public boolean check() {
        return mode == RunMode.CHECK;
    }
}

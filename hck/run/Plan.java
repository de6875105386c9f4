package hck.run;

import hck.bpf.Stamps;
import hck.container.Containers;
import hck.netns.Namespace;
import hck.rules.Rules;
import hck.scan.Scanner;
import org.slf4j.Logger;

import java.util.List;

/**
 * What this run was asked to do, settled before anything is scanned; {@code containers} names what
 * runs in containers; {@code stamps}: hck's stamps in the kernel, read in the dump (null: not asked).
 */
public record Plan(RunMode mode, Rules rules, String rulesOrigin, Scanner.Choice source, List<Namespace> namespaces,
                   Containers containers, RunMemory memory, Stopwatch clock, Logger log, Stamps stamps) {
    public boolean live() {
        return mode == RunMode.LIVE;
    }

    public boolean check() {
        return mode == RunMode.CHECK;
    }
}

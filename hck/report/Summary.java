package hck.report;

import hck.model.Left;

import java.util.Map;

/**
 * The summary's counts (docs/output.md): scanned ⊇ candidates ⊇ hung + skipped; terminated/failed
 * from live; {@code left}: live mode's hung sockets left as they were, by why (each kind present).
 */
public record Summary(long scanned, long candidates, long hung, long skipped, long terminated, long failed, Map<Left, Long> left) {
    public Summary {
        left = Map.copyOf(left);
    }

    /** Those left for {@code why}. */
    public long left(Left why) {
        return left.getOrDefault(why, 0L);
    }

    /** Those hck did not try (every kind of {@link Left} but {@link Left#GONE}), vetoed ones included. */
    public long notAttempted() {
        return left.entrySet().stream().filter(e -> !e.getKey().attempted()).mapToLong(Map.Entry::getValue).sum();
    }

    /** One namespace's counts (label null: hck's own). */
    public record PerNetns(String netns, Summary counts) {}
}

package hck.report;

/** The summary's counts (README "Output"): scanned ⊇ candidates ⊇ hung + skipped; terminated/failed from live. */
public record Summary(long scanned, long candidates, long hung, long skipped, long terminated, long failed) {
    /** One namespace's counts (label null: hck's own). */
    public record PerNetns(String netns, Summary counts) {}
}

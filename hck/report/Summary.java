package hck.report;

/** The counts of SPEC.md's summary: scanned ⊇ candidates ⊇ hung + skipped; terminated/failed from live. */
public record Summary(long scanned, long candidates, long hung, long skipped, long terminated, long failed) {}

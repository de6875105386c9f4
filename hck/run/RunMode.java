package hck.run;

/** What a run does with what it finds; its name in the JSON ({@code mode}) and in the log's banner. */
public enum RunMode {
    DRY_RUN("dry-run", "DRY RUN"), LIVE("live", "LIVE"), CHECK("check", "CHECK");

    public final String label, banner;

    RunMode(String label, String banner) {
        this.label = label;
        this.banner = banner;
    }
}

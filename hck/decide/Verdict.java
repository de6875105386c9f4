package hck.decide;

/** HUNG and SKIPPED sockets are listed in the report; NONE ones (young, or not watched) are not. */
public enum Verdict {
    HUNG, SKIPPED, NONE;

    private final String json = name().toLowerCase(java.util.Locale.ROOT);

    public String json() {
        return json;
    }
}

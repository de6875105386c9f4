package hck.decide;

/** HUNG and SKIPPED sockets are listed in the report; NONE ones (young, or not watched) are not. */
public enum Verdict {
    HUNG, SKIPPED, NONE;

    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

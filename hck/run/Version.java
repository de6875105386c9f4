package hck.run;

/** hck's version: --version, the JSON's {@code version}, the webhooks' User-Agent. */
public final class Version {
    public static final String NUMBER = "0.1.0";

    private Version() {}
}

package hck.check;

/** Monitoring Plugins states and their exit codes. */
public enum Status {
    OK(0), WARNING(1), CRITICAL(2), UNKNOWN(3);

    public final int exitCode;

    Status(int exitCode) {
        this.exitCode = exitCode;
    }

    public Status worst(Status other) {
        return other.exitCode > exitCode ? other : this;
    }
}

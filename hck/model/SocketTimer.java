package hck.model;

/** A socket timer as ss shows it: {@code timer:(timewait,57sec,0)}. */
public record SocketTimer(String name, long remainingMs, int retransmits) {
    public boolean timewait() {
        return "timewait".equals(name);
    }
}

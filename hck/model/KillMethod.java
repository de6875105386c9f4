package hck.model;

import java.util.Locale;

/** How a terminated socket ended: the JSON's {@code method}. */
public enum KillMethod {
    /** The kernel's SOCK_DESTROY, by 4-tuple and cookie. */
    SOCKET_DESTROY,
    /** SO_LINGER {1,0} and shutdown on a duplicate of the owner's very fd. */
    SOCKET_SHUTDOWN,
    /** The owning process ended on SIGTERM. */
    SIGTERM,
    /** The owning process ended on SIGKILL. */
    SIGKILL,
    /** Closed by the RST of its peer on this host, which hck destroyed. */
    VIA_PEER;

    public final String json = name().toLowerCase(Locale.ROOT).replace('_', '-');
}

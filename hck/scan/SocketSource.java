package hck.scan;

import hck.model.Sock;

import java.io.IOException;
import java.util.List;

/** Where sockets come from: the kernel over netlink (sock_diag, the default), ss, or /proc/net/tcp{,6} read directly. */
public interface SocketSource {
    String name();

    ScanResult scan() throws IOException;

    /** The watched sockets only, for the verification after a kill; sources that can skip the count do. */
    default List<Sock> watched() throws IOException {
        return scan().candidates();
    }
}

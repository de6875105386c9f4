package hck.scan;

import java.io.IOException;

/** Where sockets come from: ss over netlink, or /proc/net/tcp{,6} read directly. */
public interface SocketSource {
    String name();

    ScanResult scan() throws IOException;
}

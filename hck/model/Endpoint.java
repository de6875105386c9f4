package hck.model;

/**
 * One end of a connection. {@code address} is the textual address as inet_ntop writes it
 * (so ss, /proc and netlink agree), {@code zone} the interface name of a scoped address or null.
 */
public record Endpoint(String address, int port, String zone) {

    public boolean ipv6() {
        return address.indexOf(':') >= 0;
    }

    /** {@code a.b.c.d:port}, {@code [addr]:port}, {@code [fe80::1%eth0]:22}. */
    @Override
    public String toString() {
        String host = zone == null ? address : address + "%" + zone;
        return ipv6() ? "[" + host + "]:" + port : host + ":" + port;
    }
}

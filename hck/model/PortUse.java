package hck.model;

import java.util.Map;

/**
 * The ephemeral ports of one local address towards one destination: {@code connect()} to
 * {@code remote} from {@code localIp} fails with EADDRNOTAVAIL once {@code inUse} reaches
 * {@code available} (the namespace's ip_local_port_range less ip_local_reserved_ports).
 * {@code states}: the sockets holding them, TIME_WAIT included.
 */
public record PortUse(String netns, String localIp, String remote, int inUse, int available, Map<TcpState, Integer> states) {
    public double percent() {
        return available == 0 ? 100 : 100.0 * inUse / available;
    }
}

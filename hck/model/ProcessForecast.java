package hck.model;

import java.util.List;
import java.util.Map;

/**
 * One process holding hung sockets, and how close it is to running out of file descriptors.
 * {@code openFds}/{@code fdLimit}: null when unreadable (or no limit); {@code growthPerHour}: hung
 * sockets a hour, null until an earlier run sampled this process; {@code etaSeconds}: until its open
 * files reach the limit at that rate, null when not growing. {@code container}: the one it runs in, or null.
 */
public record ProcessForecast(long pid, String name, String netns, Container container, Integer openFds, Long fdLimit, Map<TcpState, Integer> hung,
                              Double growthPerHour, Double etaSeconds, List<Remote> remotes) {

    /** Hung sockets of the process towards one peer address:port. */
    public record Remote(String remote, int hung) {}

    public int hungTotal() {
        return hung.values().stream().mapToInt(Integer::intValue).sum();
    }
}

package hck.support;

import hck.model.Sock;
import hck.scan.NetlinkSource;
import hck.scan.SocketSource;
import hck.scan.SsSource;

import java.util.List;

/**
 * Prints every watched socket one source sees, one line each, in a form both sources share
 * (timers and tcp_info times rounded to the second, as ss prints them), sorted: the
 * netlink-versus-ss equivalence test compares the two outputs.
 */
public final class SourceDump {
    public static void main(String[] args) throws Exception {
        int[] firstOwned = {0};
        SocketSource source = args[0].equals("netlink") ? new NetlinkSource(() -> firstOwned[0]++, -1, m -> { }) : new SsSource("ss");
        List<String> lines = source.scan().candidates().stream().map(SourceDump::line).sorted().toList();
        lines.forEach(System.out::println);
        System.err.println("first-owned calls: " + firstOwned[0]); // when the owner pass would start
    }

    static String line(Sock s) {
        return s.state() + " " + s.local() + " " + s.remote() + " q=" + s.recvQ() + "/" + s.sendQ() + " ino=" + s.inode() + " sk=" + s.cookie()
                + " timer=" + (s.timer() == null ? "-" : s.timer().name()) + " info=" + s.hasTcpInfo();
    }
}

package hck.model;

/** Formats raw addresses exactly as glibc's inet_ntop does, so every source prints the same text. */
public final class Addresses {
    private Addresses() {}

    public static String ipv4(byte[] b, int off) {
        return (b[off] & 0xff) + "." + (b[off + 1] & 0xff) + "." + (b[off + 2] & 0xff) + "." + (b[off + 3] & 0xff);
    }

    /** RFC 5952 text with glibc's rule for embedded IPv4 ({@code ::ffff:1.2.3.4}, {@code ::1.2.3.4}). */
    public static String ipv6(byte[] b) {
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
        for (int i = 0; i < 8; i++) {
            if (w[i] == 0) {
                if (curBase < 0) { curBase = i; curLen = 1; } else curLen++;
            } else if (curBase >= 0) {
                if (curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
                curBase = -1;
            }
        }
        if (curBase >= 0 && curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
        if (bestLen < 2) bestBase = -1;
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) sb.append(':');
                continue;
            }
            if (i != 0) sb.append(':');
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(ipv4(b, 12));
                break;
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) sb.append(':');
        return sb.toString();
    }
}

package hck.decide;

import hck.model.Sock;
import hck.model.TcpState;

/**
 * What a CLOSE_WAIT socket's Recv-Q says the application did wrong. The peer's FIN takes one
 * sequence number, consumed only when the application reads the end of the stream (tcp_recvmsg's
 * found_fin_ok): Recv-Q 1 = it never read to EOF, 0 = it read EOF but never called close(),
 * more = data it never read, then the FIN.
 */
public enum Diagnosis {
    EOF_UNREAD("eof-unread", "it never read the end of the stream"),
    NOT_CLOSED("not-closed", "it read the end of the stream but never called close()"),
    DATA_UNREAD("data-unread", "it left data unread before the end of the stream");

    public final String json;
    public final String text;

    Diagnosis(String json, String text) {
        this.json = json;
        this.text = text;
    }

    /** For a CLOSE_WAIT TCP socket; null for anything else. */
    public static Diagnosis of(Sock s) {
        if (s.state() != TcpState.CLOSE_WAIT || s.udp() != null) return null;
        return s.recvQ() == 0 ? NOT_CLOSED : s.recvQ() == 1 ? EOF_UNREAD : DATA_UNREAD;
    }
}

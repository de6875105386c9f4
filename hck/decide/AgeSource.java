package hck.decide;

/**
 * Where an age came from (JSON {@code age_source}): {@code stamp} is the exact time in the state
 * (hck's stamp of its entry); each of the others is a lower bound of it.
 */
public enum AgeSource {
    STAMP("stamp"), TCP_INFO("tcp_info"), TIMER("timer"), RETRANSMITS("retransmits"), FIRST_SEEN("first_seen");

    public final String json;

    AgeSource(String json) {
        this.json = json;
    }
}

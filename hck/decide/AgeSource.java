package hck.decide;

/** Where an age came from (JSON {@code age_source}); each is a lower bound of the time in the state. */
public enum AgeSource {
    TCP_INFO("tcp_info"), TIMER("timer"), RETRANSMITS("retransmits"), FIRST_SEEN("first_seen");

    public final String json;

    AgeSource(String json) {
        this.json = json;
    }
}

package hck.decide;

/** Where an age came from (JSON {@code age_source}). */
public enum AgeSource {
    TCP_INFO("tcp_info"), TIMER("timer"), FIRST_SEEN("first_seen");

    public final String json;

    AgeSource(String json) {
        this.json = json;
    }
}

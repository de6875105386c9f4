package hck.notify;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.model.Printable;
import hck.report.Summary;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Text from processes reaches line-based outputs and chat services escaped. */
class EscapingTest {
    @Test
    void controlCharactersBecomeVisibleEscapes() {
        assertEquals("plain name", Printable.escape("plain name"));
        assertEquals("a\\nb\\r\\tc\\x1b[31m\\x7f\\x85\\u2028", Printable.escape("a\nb\r\tc\u001b[31m\u007f\u0085\u2028"));
        assertEquals("x\\x7cy\\n", Printable.forCheck("x|y\n"));
        assertNull(Printable.escape(null));
    }

    @Test
    void slackAndDiscordPingNobody() throws Exception {
        Event e = new Event("web-1", "live", "hck on web-1 terminated 3 hung TCP connections",
                List.of("<!channel> @everyone & <@U123> PID 42: 3 CLOSE_WAIT, oldest 75s"), new Summary(10, 3, 3, 0, 3, 0, Map.of()), List.of());
        JsonNode slack = new ObjectMapper().readTree(Payloads.slack(e));
        String text = slack.toString();
        assertFalse(text.contains("<!channel>") || text.contains("<@U123>"), text);
        assertTrue(text.contains("&lt;!channel&gt; @everyone &amp; &lt;@U123&gt;"), text);
        JsonNode discord = new ObjectMapper().readTree(Payloads.discord(e));
        assertTrue(discord.get("allowed_mentions").get("parse").isArray());
        assertEquals(0, discord.get("allowed_mentions").get("parse").size(), "no mention is parsed");
    }

    /** The generic webhook names each socket's protocol and container as the JSON document does. */
    @Test
    void genericPayloadCarriesProtoAndContainer() throws Exception {
        hck.model.Endpoint l = new hck.model.Endpoint("10.0.0.5", 8080, null), r = new hck.model.Endpoint("10.0.0.9", 40000, null);
        hck.model.Sock inPod = hck.support.Socks.of(hck.model.TcpState.CLOSE_WAIT, l, r, 1, 0, 7, "1", null, 5L, 5L, 5L, List.of(), null)
                .withContainer(new hck.model.Container("5b1e", "api", "containerd", new hck.model.Container.Pod("shop", "checkout-6d9f")));
        hck.model.Sock udp = hck.support.Socks.of(hck.model.TcpState.CLOSE, l, r, 0, 0, 8, "2", null, null, null, null, List.of(), null, null,
                new hck.model.UdpInfo(3, null));
        List<hck.report.Outcome> hung = new java.util.ArrayList<>();
        for (hck.model.Sock s : List.of(inPod, udp)) {
            hung.add(hck.report.Outcome.of(new hck.decide.Decision(s, hck.decide.Verdict.HUNG, "r", java.time.Duration.ofSeconds(1), 5_000,
                    hck.decide.AgeSource.TCP_INFO), hck.model.Action.TERMINATED));
        }
        Event e = new Event("web-1", "live", "h", List.of(), new Summary(2, 2, 2, 0, 2, 0, Map.of()), hung);
        JsonNode g = new ObjectMapper().readTree(Payloads.generic(e)).get("hung");
        assertEquals("{\"id\":\"5b1e\",\"name\":\"api\",\"runtime\":\"containerd\",\"pod\":{\"namespace\":\"shop\",\"name\":\"checkout-6d9f\"}}",
                g.get(0).get("container").toString());
        assertEquals("tcp", g.get(0).get("proto").asText());
        assertTrue(g.get(1).get("container").isNull());
        assertEquals("udp", g.get(1).get("proto").asText(), "a UDP socket is not called tcp");
        assertEquals("terminated", g.get(0).get("action").asText());
    }
}

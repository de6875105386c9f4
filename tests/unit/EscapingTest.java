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
}

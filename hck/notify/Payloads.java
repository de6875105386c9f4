package hck.notify;

import hck.rules.Durations;
import hck.rules.Target;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hck.model.Sock;
import hck.report.Outcome;

import java.math.BigDecimal;

/** Bodies in each service's own format: Slack text + blocks, Discord content + embeds, generic hck JSON. */
public final class Payloads {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_LINES = 10;

    private Payloads() {}

    public static String body(String kind, Event e) {
        return switch (kind) {
            case Target.SLACK -> slack(e);
            case Target.DISCORD -> discord(e);
            default -> generic(e);
        };
    }

    static String details(Event e) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(MAX_LINES, e.holders().size()); i++) b.append("• ").append(e.holders().get(i)).append('\n');
        if (e.holders().size() > MAX_LINES) b.append("• … and ").append(e.holders().size() - MAX_LINES).append(" more\n");
        b.append("scanned ").append(e.summary().scanned()).append(", hung ").append(e.summary().hung())
                .append(", terminated ").append(e.summary().terminated()).append(", failed ").append(e.summary().failed());
        return b.toString();
    }

    static String slack(Event e) {
        ObjectNode root = JSON.createObjectNode();
        // Slack reads <!channel>, <@U123> and links from &, < and >: escaped, no text from a process pings anyone
        root.put("text", slackEscape(e.headline()));
        ArrayNode blocks = root.putArray("blocks");
        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", truncate(slackEscape("hck on " + e.host()), 150));
        ObjectNode section = blocks.addObject().put("type", "section");
        section.putObject("text").put("type", "mrkdwn").put("text", truncate("*" + slackEscape(e.headline()) + "*\n" + slackEscape(details(e)), 3000));
        return root.toString();
    }

    static String discord(Event e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("content", truncate(e.headline(), 2000));
        ObjectNode embed = root.putArray("embeds").addObject();
        embed.put("title", truncate("hck on " + e.host(), 256));
        embed.put("description", truncate(details(e), 4096));
        // @everyone, @here and <@id> in a process name must not ping: Discord parses no mention at all
        root.putObject("allowed_mentions").putArray("parse");
        embed.put("color", e.summary().failed() > 0 || e.headline().contains("CRITICAL") ? 0xE74C3C
                : e.summary().hung() > 0 ? 0xF1C40F : 0x2ECC71);
        return root.toString();
    }

    static String generic(Event e) {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "hck").put("host", e.host()).put("mode", e.mode()).put("headline", e.headline());
        root.putObject("summary").put("scanned", e.summary().scanned()).put("candidates", e.summary().candidates())
                .put("hung", e.summary().hung()).put("skipped", e.summary().skipped())
                .put("terminated", e.summary().terminated()).put("failed", e.summary().failed());
        ArrayNode hung = root.putArray("hung");
        for (Outcome o : e.hung()) {
            Sock s = o.decision().socket();
            ObjectNode c = hung.addObject();
            c.put("proto", s.proto()).put("state", s.state().name()).put("local", s.local().toString()).put("remote", s.remote().toString());
            c.put("netns", s.netns());
            c.set("container", JSON.valueToTree(s.container())); // the record's components: id, name, runtime, pod (as the JSON document)
            if (s.owner() == null) c.putNull("pid").putNull("process"); else c.put("pid", s.owner().pid()).put("process", s.owner().name());
            c.put("age_s", new BigDecimal(Durations.tenths(o.decision().ageMs())));
            c.put("reason", o.reason()).put("action", o.action().json).put("method", o.method() == null ? null : o.method().json);
        }
        return root.toString();
    }

    static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}

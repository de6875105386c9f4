package hck.rules;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where a notification goes: a Slack or Discord incoming webhook, or a generic webhook that gets
 * hck's own JSON. The URL holds the secret: only {@link #safe()} (kind and host) is ever logged.
 */
public record Target(String kind, URI url, Duration timeout) {
    public static final String SLACK = "slack", DISCORD = "discord", WEBHOOK = "webhook";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * {@code [KIND=]URL}; without a kind, Slack's and Discord's webhook hosts are recognised and
     * anything else is a generic webhook.
     * @throws IllegalArgumentException naming what is wrong, without the URL's path or query
     */
    public static Target parse(String spec, Duration timeout) {
        String kind = null, url = spec.trim();
        int eq = url.indexOf('=');
        int scheme = url.indexOf("://");
        if (eq > 0 && (scheme < 0 || eq < scheme)) {
            kind = url.substring(0, eq).toLowerCase(Locale.ROOT);
            url = url.substring(eq + 1);
            if (!kind.equals(SLACK) && !kind.equals(DISCORD) && !kind.equals(WEBHOOK)) {
                throw new IllegalArgumentException("notify kind '" + kind + "' is unknown (allowed: slack, discord, webhook)");
            }
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a notify URL is malformed");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("a notify URL must be http:// or https:// with a host");
        }
        if (kind == null) {
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            kind = host.endsWith("slack.com") ? SLACK
                    : (host.endsWith("discord.com") || host.endsWith("discordapp.com")) ? DISCORD : WEBHOOK;
        }
        return new Target(kind, uri, timeout == null ? DEFAULT_TIMEOUT : timeout);
    }

    /** What may appear in a log: the kind and the host, never the path or query (they hold the secret). */
    public String safe() {
        return (kind.equals(WEBHOOK) ? "webhook" : kind + " webhook") + " at " + url.getHost();
    }

    @Override
    public String toString() {
        return safe();
    }
}

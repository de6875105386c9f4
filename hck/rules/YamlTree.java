package hck.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree whose every node keeps its line, read token by token (jackson's
 * tree model drops the lines). Aliases, duplicate keys and a second document are errors, never
 * silently resolved.
 */
final class YamlTree {
    private static final YAMLFactory YAML = new YAMLFactory();

    sealed interface Node permits MapNode, ListNode, Scalar {
        int line();
    }

    record MapNode(Map<String, Node> entries, Map<String, Integer> keyLines, int line) implements Node {}

    record ListNode(List<Node> items, int line) implements Node {}

    record Scalar(String text, JsonToken token, int line) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    private final String origin;

    private YamlTree(String origin) {
        this.origin = origin;
    }

    /** The document's root, or null for an empty document. */
    static Node read(String yaml, String origin) throws RulesException {
        return new YamlTree(origin).read(yaml);
    }

    /** "rules file ORIGIN, line N: " */
    static String where(String origin, int line) {
        return "rules file " + origin + (line > 0 ? ", line " + line : "") + ": ";
    }

    static boolean absent(Node n) {
        return n == null || (n instanceof Scalar s && s.isNull());
    }

    private Node read(String yaml) throws RulesException {
        try (JsonParser p = YAML.createParser(yaml)) {
            if (p.nextToken() == null) return null;
            Node root = node(p);
            // a second document ("---"), or content the first one did not take, is never ignored
            if (p.nextToken() != null) {
                throw new RulesException(where(origin, p.currentTokenLocation().getLineNr())
                        + "unexpected content after the rules (a second YAML document, or a line outside the mapping above it)");
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw new RulesException(where(origin, line) + "malformed YAML: " + (nl < 0 ? msg : msg.substring(0, nl)).trim());
        } catch (IOException e) {
            throw new RulesException(origin + ": cannot read: " + e.getMessage());
        }
    }

    private Node node(JsonParser p) throws IOException, RulesException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Node> entries = new LinkedHashMap<>();
            Map<String, Integer> lines = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                Node value = node(p);
                if (entries.containsKey(key)) throw new RulesException(where(origin, keyLine) + "duplicate key '" + key + "'");
                entries.put(key, value);
                lines.put(key, keyLine);
            }
            return new MapNode(entries, lines, line);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) items.add(node(p));
            return new ListNode(items, line);
        }
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
            // the streaming parser hands an alias over as its anchor's name: "*keep" would read as "keep"
            throw new RulesException(where(origin, line) + "YAML aliases (*" + p.getText() + ") are not supported: write the value out");
        }
        return new Scalar(p.getText(), t, line);
    }
}

package hck.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;

import java.io.IOException;

/**
 * The document's layout: the top levels indented, every object inside an array (a connection, a
 * namespace's counts) on one line of its own. The default pretty printer's indentation made
 * half of a large file and a good part of the run (docs/performance.md); this keeps the file readable,
 * {@code grep}-able one socket a line, and jq sees the same document.
 */
final class OneLinePerEntry implements PrettyPrinter {
    private int depth;
    private int arrayDepth;

    private boolean compact() {
        return arrayDepth > 0 && depth > arrayDepth;
    }

    private void newline(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
        for (int i = 0; i < depth; i++) g.writeRaw("  ");
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
        g.writeRaw('{');
        depth++;
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
        if (!compact()) newline(g);
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
        if (compact()) g.writeRaw(':'); else g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
        g.writeRaw(',');
        if (!compact()) newline(g);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int entries) throws IOException {
        boolean wasCompact = compact();
        depth--;
        if (!wasCompact && entries > 0) newline(g);
        g.writeRaw('}');
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
        g.writeRaw('[');
        depth++;
        if (arrayDepth == 0) arrayDepth = depth;
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
        newline(g);
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw(',');
        newline(g);
    }

    @Override
    public void writeEndArray(JsonGenerator g, int values) throws IOException {
        if (arrayDepth == depth) arrayDepth = 0;
        depth--;
        if (values > 0) newline(g);
        g.writeRaw(']');
    }
}

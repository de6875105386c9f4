package hck.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.io.SafeFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The runtimes' small JSON files, read whole: a regular file of at most 64 MiB, or null with the reason told. */
final class Json {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX = 64L << 20;

    private Json() {}

    static JsonNode read(Path file, Consumer<String> why) {
        if (!Files.exists(file)) return null;
        try {
            return JSON.readTree(SafeFiles.readRegular(file.toString(), file, MAX));
        } catch (IOException | RuntimeException e) {
            why.accept(file + ": " + e.getMessage());
            return null;
        }
    }
}

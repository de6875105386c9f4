package hck.run;

import hck.io.SafeFiles;
import hck.rules.Rules;
import hck.rules.RulesException;
import hck.rules.RulesLoader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** rules.yaml from disk: a regular file of at most 1 MiB, and, as root, one only root could have written. */
public final class RulesFile {
    static final long MAX_BYTES = 1 << 20;

    static final Path DEFAULT = Path.of("/etc/hck/rules.yaml");
    /** {@code --rules built-in}: the built-in rules, even where /etc/hck/rules.yaml exists (a file of that name: ./built-in). */
    static final String BUILT_IN = "built-in";

    private RulesFile() {}

    /** The file --rules names, else /etc/hck/rules.yaml if present; null for the built-in rules. */
    public static Path chosen(Path given) {
        if (given != null) return given.toString().equals(BUILT_IN) ? null : given;
        return java.nio.file.Files.exists(DEFAULT) ? DEFAULT : null;
    }

    /**
     * As sshd's StrictModes: the veto_command of a rules file runs as root, so as root a file (or a
     * directory on its path) that someone else could have written is refused unless {@code insecure}.
     */
    public static Rules load(Path file, boolean insecure) throws RulesException {
        try {
            if (!insecure) SafeFiles.requireRootOnly("rules file", file, "--insecure-rules accepts it");
        } catch (IOException e) {
            throw new RulesException(e.getMessage());
        }
        return load(file);
    }

    public static Rules load(Path file) throws RulesException {
        String text;
        try {
            // /dev/zero or a FIFO must neither fill memory nor block
            text = new String(SafeFiles.readRegular("rules file", file, MAX_BYTES), StandardCharsets.UTF_8);
        } catch (SafeFiles.Refused e) {
            throw new RulesException(e.getMessage());
        } catch (NoSuchFileException e) {
            throw new RulesException("rules file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new RulesException("rules file " + file + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new RulesException("rules file " + file + " is not readable: " + e.getMessage());
        }
        return RulesLoader.parse(text, file.toString());
    }
}

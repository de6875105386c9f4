package hck;

import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * man/hck.1 and completion/hck.bash are what man/generate makes from the picocli model behind
 * --help, as committed (regenerated here and compared), every option of --help is on the page,
 * and bash's own completion, driven here, completes options and --source's values.
 */
class ManPageTest {
    @Test
    void theManPageIsTheModelsAndNamesEveryOption() throws Exception {
        Env.requireCommand("asciidoctor");
        StringWriter adoc = new StringWriter();
        try (PrintWriter pw = new PrintWriter(adoc)) {
            picocli.codegen.docgen.manpage.ManPageGenerator.writeSingleManPage(pw, hck.commandLine().getCommandSpec());
        }
        Path dir = Files.createTempDirectory("hck-man");
        try {
            Files.writeString(dir.resolve("hck.adoc"), adoc.toString());
            Netns.Result r = Netns.exec(List.of("asciidoctor", "-b", "manpage", "-a", "reproducible", dir.resolve("hck.adoc").toString(),
                    "-o", dir.resolve("hck.1").toString()), 120);
            assertEquals(0, r.rc(), r.stderr());
            assertEquals(Files.readString(dir.resolve("hck.1")), Files.readString(Path.of("man/hck.1")), "man/hck.1 is stale: run man/generate");
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        String page = Files.readString(Path.of("man/hck.1")).replace("\\-", "-").replace("\\fB", "").replace("\\fP", "").replace("\\fI", "");
        List<String> missing = new ArrayList<>();
        for (var o : hck.commandLine().getCommandSpec().options()) for (String name : o.names()) if (!page.contains(name)) missing.add(name);
        assertEquals(List.of(), missing, "every option of --help is on the page");
        assertTrue(hck.commandLine().getCommandSpec().options().size() > 30);
    }

    @Test
    void bashCompletesOptionsAndSourceValues() throws Exception {
        Env.requireCommand("bash");
        assertEquals(picocli.AutoComplete.bash("hck", hck.commandLine()), Files.readString(Path.of("completion/hck.bash")),
                "completion/hck.bash is stale: run man/generate");
        String drive = String.join("\n",
                "source completion/hck.bash",
                "complete -p hck",
                "complete_words() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=();"
                        + " _picocli_hck 2>/dev/null; echo \"${COMPREPLY[*]}\"; }",
                "echo \"options: $(complete_words hck --so)\"",
                "echo \"dry: $(complete_words hck --dry)\"",
                "echo \"values: $(complete_words hck --source '')\"");
        Netns.Result r = Netns.exec(List.of("bash", "-c", drive), 60);
        assertEquals(0, r.rc(), r.stderr());
        assertTrue(r.stdout().contains("complete -o default -F _complete_hck hck"), r.stdout());
        assertTrue(r.stdout().contains("options: --source\n"), r.stdout());
        assertTrue(r.stdout().contains("dry: --dry-run\n"), r.stdout());
        assertTrue(r.stdout().contains("values: auto netlink ss proc\n"), r.stdout());
    }
}

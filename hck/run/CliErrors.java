package hck.run;

import hck.check.Status;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;

import java.util.Arrays;
import java.util.List;

/**
 * What picocli refuses, said as hck says it: one line, exit 2 (UNKNOWN with --check), by the
 * exception's type and option, never by its text.
 */
public final class CliErrors {
    private CliErrors() {}

    /** @param modeGroup the class of the exclusive mode group: a missing member of it means no mode was chosen */
    public static int handle(ParameterException ex, String[] args, Class<?> modeGroup) {
        String msg = message(ex, modeGroup);
        if (Arrays.asList(args).contains("--check")) {
            System.out.println("HCK UNKNOWN: " + msg);
            return Status.UNKNOWN.exitCode;
        }
        System.err.println("hck: " + msg + " (see hck --help)");
        return ExitCode.USAGE;
    }

    /** A bug, never the user's doing: not a usage error. Exit 1 (UNKNOWN for the check); -v prints where. */
    public static int internal(Exception ex, boolean check, boolean verbose) {
        if (check) {
            System.out.println("HCK UNKNOWN: internal error: " + ex);
            return Status.UNKNOWN.exitCode;
        }
        System.err.println("hck: internal error: " + ex + (verbose ? "" : " (-v prints where)"));
        if (verbose) ex.printStackTrace();
        return ExitCode.FAILED;
    }

    /** picocli's message, except where the exception's type and option say it better. */
    static String message(ParameterException ex, Class<?> modeGroup) {
        if (ex instanceof MissingParameterException m && m.getMissing().stream().anyMatch(a -> inGroup(a, modeGroup))) {
            return "choose one mode: --dry-run, --live or --check";
        }
        if (ex.getArgSpec() instanceof OptionSpec o && o.type().isEnum() && ex.getValue() != null) {
            List<String> c = Arrays.stream(o.type().getEnumConstants()).map(String::valueOf).toList();
            return o.longestName() + " must be " + String.join(", ", c.subList(0, c.size() - 1)) + " or " + c.get(c.size() - 1);
        }
        return ex.getMessage().replaceFirst("^Error: ", "");
    }

    private static boolean inGroup(ArgSpec a, Class<?> group) {
        return a.group() != null && a.group().typeInfo() != null && a.group().typeInfo().getType() == group;
    }
}

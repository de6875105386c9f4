package hck.run;

import hck.rules.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Durations on the command line as in the rules file: 30, 2.5, 30s, 1500ms, 2m, 1h. */
public final class DurationOption implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

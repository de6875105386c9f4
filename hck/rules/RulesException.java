package hck.rules;

/** A rules file hck refuses; the message names the file, the line and the key. */
public final class RulesException extends Exception {
    public RulesException(String message) {
        super(message);
    }
}

package hck.rules;

import java.util.regex.Pattern;

/** Process-name patterns: an exact name, or a glob with {@code *}, {@code ?} and {@code [..]}. */
public final class Names {
    /** Rules hold a handful of globs and a run matches them against every candidate's owner: compile each once. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

    private Names() {}

    public static boolean matches(String pattern, String name) {
        if (name == null) return false;
        if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) return pattern.equals(name);
        return COMPILED.computeIfAbsent(pattern, p -> Pattern.compile(globToRegex(p), Pattern.DOTALL)).matcher(name).matches();
    }

    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) { re.append("\\["); break; }
                    String body = glob.substring(i + 1, end);
                    if (body.startsWith("!")) body = "^" + body.substring(1);
                    re.append('[').append(body.replace("\\", "\\\\")).append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}

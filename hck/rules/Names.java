package hck.rules;

import java.util.regex.Pattern;

/** Process-name patterns: an exact name, or a glob with {@code *}, {@code ?} and {@code [..]}. */
public final class Names {
    private Names() {}

    public static boolean matches(String pattern, String name) {
        if (name == null) return false;
        if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) return pattern.equals(name);
        return Pattern.compile(globToRegex(pattern), Pattern.DOTALL).matcher(name).matches();
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

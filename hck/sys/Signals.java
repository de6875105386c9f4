package hck.sys;

import java.util.function.IntConsumer;

/**
 * SIGTERM and SIGINT (systemctl stop, an Ansible timeout, Ctrl-C). In live mode a signal asks
 * the run to stop: the kill in progress finishes, no new one starts, and the run still writes its
 * JSON, counters and summary before it exits 128 + the signal's number. Other modes have nothing to
 * finish: they end at once, through {@code onOther}, which removes temp files on the way out.
 */
public final class Signals {
    private static volatile String stopped;

    private Signals() {}

    /** @param live       whether a signal asks to stop (live) rather than to end now
     *  @param endNow     for the other modes: called with 128 + the signal's number, must not return */
    public static void install(boolean live, IntConsumer endNow) {
        for (String name : new String[] {"TERM", "INT"}) {
            handle(name, number -> {
                String sig = "SIG" + name;
                if (live) {
                    if (stopped == null) stopped = sig;
                } else {
                    stopped = sig;
                    endNow.accept(128 + number);
                }
            });
        }
    }

    /**
     * sun.misc.Signal.handle(new Signal(name), handler), through reflection: the class is in every
     * JDK (module jdk.unsupported) but naming it makes javac warn on every first start of the script.
     */
    private static void handle(String name, IntConsumer onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sig = signal.getConstructor(String.class).newInstance(name);
            int number = (Integer) signal.getMethod("getNumber").invoke(sig);
            Object h = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) -> {
                if (method.getName().equals("handle")) onSignal.accept(number);
                return null;
            });
            signal.getMethod("handle", signal, handler).invoke(null, sig, h);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no such class, or the JVM keeps that signal (-Xrs): its default handling stays
        }
    }

    /** "SIGTERM" / "SIGINT" once a signal asked the run to stop, else null. */
    public static String stopRequested() {
        return stopped;
    }

    /** 128 + the signal's number, the shell's convention for a run a signal ended. */
    public static int exitCode() {
        return "SIGINT".equals(stopped) ? 130 : 143;
    }
}

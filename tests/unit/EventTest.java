package hck.notify;

import hck.support.Socks;

import hck.model.Action;

import java.util.Map;

import hck.check.NagiosCheck;
import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import hck.report.Outcome;
import hck.report.Summary;
import hck.rules.Rules;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** What a notification says, from the run's results alone: headline and holders, never parsed back out of another output's text. */
class EventTest {
    static Decision hung(int port, long ageMs, String process) {
        Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.5", 8080, null), new Endpoint("10.0.0.100", port, null),
                1, 0, port, Integer.toHexString(port), null, ageMs, ageMs, ageMs, List.of(new Owner(42, 7, process)), null);
        return new Decision(s, Verdict.HUNG, "CLOSE_WAIT idle", Duration.ofSeconds(60), ageMs, AgeSource.TCP_INFO);
    }

    @Test
    void aChangedCheckSaysItsStatusBeforeAndNowWithoutPerfdata() {
        List<Decision> hung = List.of(hung(1, 75_000, "a: b | c"), hung(2, 61_500, "a: b | c"));
        NagiosCheck.Result check = NagiosCheck.evaluate(hung, Rules.BUILT_IN.reporting().check(), NagiosCheck.Seen.NOTHING);
        Event e = Event.checkChanged("web-1", check, "OK", new Summary(10, 2, 2, 0, 0, 0, Map.of()), hung.stream().map(d -> Outcome.of(d, Action.NONE)).toList());
        // the check's own summary: a name with ': ' and '|' (escaped as in the status line) stays whole
        assertEquals("hck on web-1: WARNING (was OK): 2 hung TCP connections (a: b \\x7c c PID 42: 2 CLOSE_WAIT, oldest 75s)", e.headline());
        assertEquals(List.of("a: b \\x7c c PID 42: 2 CLOSE_WAIT, oldest 75s"), e.holders());
        assertEquals("check", e.mode());
    }

    @Test
    void aLiveRunSaysWhatItTerminatedAndWhatFailed() {
        List<Outcome> hung = List.of(Outcome.of(hung(1, 90_000, "myapp"), Action.TERMINATED), Outcome.of(hung(2, 80_000, "myapp"), Action.FAILED));
        assertEquals("hck on web-1 terminated 1 hung TCP connection, 1 failed",
                Event.liveRun("web-1", new Summary(10, 2, 2, 0, 1, 1, Map.of()), hung).headline());
        assertEquals("hck on web-1 terminated 3 hung TCP connections", Event.liveRun("web-1", new Summary(10, 3, 3, 0, 3, 0, Map.of()), hung).headline());
        assertEquals(List.of("myapp PID 42: 2 CLOSE_WAIT, oldest 90s"), Event.liveRun("web-1", new Summary(10, 2, 2, 0, 2, 0, Map.of()), hung).holders());
    }
}

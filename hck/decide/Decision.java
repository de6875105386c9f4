package hck.decide;

import hck.model.Sock;

import java.time.Duration;

/** The verdict on one socket, with the reason sentence, the timeout that applied and the age. */
public record Decision(Sock socket, Verdict verdict, String reason, Duration timeout, long ageMs, AgeSource ageSource) {}

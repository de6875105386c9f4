package hck.decide;

import hck.model.TcpSocket;

import java.time.Duration;

/** The verdict on one socket, with the reason sentence, the timeout that applied and the age. */
public record Decision(TcpSocket socket, Verdict verdict, String reason, Duration timeout, long ageMs, AgeSource ageSource) {}

package dev.dlock.backend.nats;

/**
 * Where the tests find a nats-server with JetStream.
 */
final class NatsTestServers {

	private NatsTestServers() {
	}

	static String url() {
		return "nats://127.0.0.1:4222";
	}

}

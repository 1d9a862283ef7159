package dev.dlock.spring.aop;

import java.io.IOException;

import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.testserver.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The loss-aware methods kit on NATS JetStream: a server of the test's own is paused
 * (SIGSTOP).
 */
class NatsLossAwareMethodsIntegrationTests extends LossAwareMethodsConformanceKit {

	private static NatsServer server;

	private static Connection connection;

	@BeforeAll
	static void startServer() throws IOException, InterruptedException {
		server = NatsServer.start();
		connection = Nats.connect(server.url());
	}

	@AfterAll
	static void stopServer() throws InterruptedException {
		connection.close();
		server.close();
	}

	@Override
	protected LockBackend createBackend() {
		return NatsLockBackend.builder(connection).bucket("loss_aware").leaseTime(LEASE).build();
	}

	@Override
	protected void pause(CuttableBackend backend) {
		server.pause();
	}

	@Override
	protected void resume(CuttableBackend backend) {
		server.resume();
	}

}

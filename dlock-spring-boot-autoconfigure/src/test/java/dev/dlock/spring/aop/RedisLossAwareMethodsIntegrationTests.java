package dev.dlock.spring.aop;

import java.util.UUID;

import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The loss-aware methods kit on Redis: a server of the test's own is paused (SIGSTOP).
 */
class RedisLossAwareMethodsIntegrationTests extends LossAwareMethodsConformanceKit {

	private static RedisServer server;

	private static RedisClient client;

	@BeforeAll
	static void startServer() {
		server = RedisServer.start();
		client = RedisClient.create(server.uri());
	}

	@AfterAll
	static void stopServer() {
		client.shutdown();
		server.close();
	}

	@Override
	protected LockBackend createBackend() {
		return RedisLockBackend.builder(client).keyPrefix("loss-" + UUID.randomUUID() + ":").build();
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

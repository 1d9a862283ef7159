package dev.dlock.spring.aop;

import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.testserver.EtcdServer;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The loss-aware methods kit on etcd: a server of the test's own is paused (SIGSTOP).
 */
class EtcdLossAwareMethodsIntegrationTests extends LossAwareMethodsConformanceKit {

	private static EtcdServer server;

	private static Client client;

	@BeforeAll
	static void startServer() {
		server = EtcdServer.start();
		client = Client.builder().endpoints(server.endpoint()).build();
	}

	@AfterAll
	static void stopServer() {
		client.close();
		server.close();
	}

	@Override
	protected LockBackend createBackend() {
		return EtcdLockBackend.builder(client).build();
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

package dev.dlock.testserver;

import java.util.List;
import java.util.function.Function;

/**
 * A small cluster of test servers on loopback, the common base of {@link RedisCluster}, {@link EtcdCluster} and
 * {@link NatsCluster}. Clusters are always private (no {@code shared()}): the caller closes them. Members can be
 * killed, paused and restarted one by one through the {@link TestServer} API.
 *
 * @param <S> the member type
 * @since 0.1.0
 */
public abstract class TestCluster<S extends TestServer> implements AutoCloseable {

	private final List<S> members;

	TestCluster(List<S> members) {
		this.members = List.copyOf(members);
	}

	/**
	 * The members, in a fixed order.
	 * @return an unmodifiable list
	 */
	public List<S> members() {
		return this.members;
	}

	/**
	 * Waits until every member runs and the cluster is whole again (for example after a member restart).
	 * @throws IllegalStateException if it is not within 30 s
	 */
	public final void awaitHealthy() {
		Poll.until(this + " did not become healthy", TestServer.STARTUP_TIMEOUT, () -> {
			for (S member : this.members) {
				if (!member.isRunning()) {
					throw new IllegalStateException(member + " is not running");
				}
			}
			checkHealthy();
		}, () -> "");
	}

	/** Throws unless the cluster is whole; called only while every member runs. */
	abstract void checkHealthy() throws Exception;

	/** Kills every member and deletes its folder; idempotent. */
	@Override
	public void close() {
		RuntimeException failure = null;
		for (S member : this.members) {
			try {
				member.close();
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + this.members;
	}

	/**
	 * Starts every member (all at once, since they need each other to become ready), lets {@code form} build the
	 * cluster, and waits until it is healthy; on failure closes them all.
	 */
	static <S extends TestServer, C extends TestCluster<S>> C start(List<S> members, Function<List<S>, C> form) {
		try {
			members.forEach(TestServer::launch);
			members.forEach(TestServer::awaitReady);
			C cluster = form.apply(members);
			cluster.awaitHealthy();
			return cluster;
		}
		catch (RuntimeException | Error ex) {
			members.forEach(TestServer::close);
			throw ex;
		}
	}

	static void requireSize(int size) {
		if (size < 1 || size > 9) {
			throw new IllegalArgumentException("'size' must be between 1 and 9, was " + size);
		}
	}

}

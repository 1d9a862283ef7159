package dev.dlock.testserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

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
	 * @throws IllegalStateException if it is not within {@link #healthyTimeout()}
	 */
	public final void awaitHealthy() {
		Poll.until(this + " did not become healthy", healthyTimeout(), () -> {
			for (S member : this.members) {
				if (!member.isRunning()) {
					throw new IllegalStateException(member + " is not running");
				}
			}
			checkHealthy();
		}, () -> this.members.stream().map((m) -> System.lineSeparator() + m + m.diagnostics())
			.collect(java.util.stream.Collectors.joining()));
	}

	/** Throws unless the cluster is whole; called only while every member runs. */
	abstract void checkHealthy() throws Exception;

	/** How long {@link #awaitHealthy()} waits: 30 s unless a kind of cluster needs longer. */
	Duration healthyTimeout() {
		return TestServer.STARTUP_TIMEOUT;
	}

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
	 * Creates {@code size} members with {@code member} (given the member's index), starts them all at once (they
	 * need each other to become ready), lets {@code form} build the cluster, and waits until it is healthy; on
	 * failure closes every member created so far.
	 */
	static <S extends TestServer, C extends TestCluster<S>> C start(int size, IntFunction<S> member,
			Function<List<S>, C> form) {
		requireSize(size);
		List<S> members = new ArrayList<>();
		try {
			for (int i = 0; i < size; i++) {
				members.add(member.apply(i));
			}
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

	/**
	 * Waits (up to 30 s) until the running, unpaused members agree on a leader that is one of them.
	 * @param view how to read a member's idea of the leader, and how to recognise the leader
	 */
	final S awaitLeader(LeaderView<S> view) {
		List<S> leader = new ArrayList<>(1);
		Poll.until("No agreed leader in " + this, TestServer.STARTUP_TIMEOUT, () -> {
			leader.clear();
			leader.add(agreedLeader(view));
		}, () -> "");
		return leader.get(0);
	}

	/** The running member that all running members name as their leader; throws if there is none yet. */
	final S agreedLeader(LeaderView<S> view) throws Exception {
		List<S> running = this.members.stream().filter((m) -> m.isRunning() && !m.isPaused()).toList();
		String agreed = null;
		for (S member : running) {
			String reported = view.leaderOf(member);
			if (reported.isEmpty() || (agreed != null && !agreed.equals(reported))) {
				throw new IllegalStateException("No agreed leader: '" + agreed + "' and '" + reported + "'");
			}
			agreed = reported;
		}
		for (S member : running) {
			if (agreed != null && view.isNamed(member, agreed)) {
				return member;
			}
		}
		throw new IllegalStateException("The leader '" + agreed + "' is not a running member");
	}

	/** How a kind of cluster reports its leader. */
	interface LeaderView<S> {

		/** The leader as {@code member} reports it, empty if it knows none. */
		String leaderOf(S member) throws Exception;

		/** Whether {@code member} is the one named {@code leader}. */
		boolean isNamed(S member, String leader) throws Exception;

	}

	static void requireSize(int size) {
		if (size < 1 || size > 9) {
			throw new IllegalArgumentException("'size' must be between 1 and 9, was " + size);
		}
	}

}

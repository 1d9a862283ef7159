package dev.dlock.tck;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The blocking-notification checks of the conformance kit (DESIGN.md §12), run for every
 * backend as the kit's nested {@code Blocking} class: a holder is told of the requests and
 * conversions its mode blocks, from any manager, and of nothing else.
 *
 * @since 0.1.0
 */
public abstract class BlockingConformance {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Makes a manager on a new client, closed after the test.
	 * @return the manager
	 */
	protected abstract LockManager newManager();

	@ParameterizedTest(name = "{0} held, {1} requested")
	@MethodSource("dev.dlock.tck.LockBackendConformanceKit#modePairs")
	void aHolderIsToldOfARequestExactlyWhenItsModeBlocksIt(LockMode held, LockMode requested) throws Exception {
		LockManager holding = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = holding.acquire(key, held, WAIT);
		// where one exists, a second holder that makes a request the first does not block wait
		LockMode otherMode = blockingOnly(requested, held);
		LockHandle other = (otherMode != null) ? newManager().acquire(key, otherMode, WAIT) : null;
		List<LockMode> told = listen(holder);
		CompletableFuture<LockHandle> request = newManager().acquireAsync(key, requested, LockOptions.waitTime(WAIT));
		if (!requested.isCompatibleWith(held)) {
			await().atMost(WAIT).until(() -> !told.isEmpty());
			assertThat(told).containsOnly(requested);
			assertThat(request).isNotDone();
			assertThat(blockedModes(holding, key)).containsExactly(requested);
		}
		else if (held == LockMode.NL) {
			// NL blocks nothing, so no later request can show that this one was not told
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(told::isEmpty);
		}
		else {
			// the first notice the holder gets is for a request its mode blocks, made later
			CompletableFuture<LockHandle> blocked = newManager().acquireAsync(key, LockMode.EX,
					LockOptions.waitTime(WAIT));
			await().atMost(WAIT).until(() -> !told.isEmpty());
			assertThat(told).as("notices after a compatible %s request, other holder %s", requested, otherMode)
				.containsOnly(LockMode.EX);
			assertThat(blockedModes(holding, key)).containsExactly(LockMode.EX);
			blocked.cancel(true);
		}
		holder.release();
		if (other != null) {
			other.release();
		}
		request.get(10, TimeUnit.SECONDS).release();
	}

	/**
	 * A mode that may be held next to {@code held} and blocks {@code requested}, or
	 * {@code null} if there is none.
	 */
	private static @Nullable LockMode blockingOnly(LockMode requested, LockMode held) {
		for (LockMode mode : LockMode.values()) {
			if (mode.isCompatibleWith(held) && !mode.isCompatibleWith(requested)) {
				return mode;
			}
		}
		return null;
	}

	@Test
	void aRequestOfTheHoldersOwnManagerIsTold() throws Exception {
		LockManager manager = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = manager.acquire(key, LockMode.PR, WAIT);
		List<LockMode> told = listen(holder);
		CompletableFuture<LockHandle> writer = CompletableFuture.supplyAsync(() -> {
			try {
				return manager.acquire(key, LockMode.PW, WAIT);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		await().atMost(WAIT).until(() -> !told.isEmpty());
		assertThat(told).containsOnly(LockMode.PW);
		holder.release();
		writer.get(10, TimeUnit.SECONDS).release();
	}

	@Test
	void aConversionThatWaitsIsTold() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = newManager().acquire(key, LockMode.PR, WAIT);
		LockHandle upgrading = newManager().acquire(key, LockMode.PR, WAIT);
		List<LockMode> told = listen(holder);
		CompletableFuture<LockHandle> upgrade = upgrading.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT));
		await().atMost(WAIT).until(() -> !told.isEmpty());
		assertThat(told).containsOnly(LockMode.EX);
		holder.release();
		assertThat(upgrade.get(10, TimeUnit.SECONDS).mode()).isEqualTo(LockMode.EX);
		upgrading.release();
	}

	@Test
	void aTryThatWouldWaitIsNotTold() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = newManager().acquire(key, LockMode.PW, WAIT);
		List<LockMode> told = listen(holder);
		LockManager other = newManager();
		assertThat(other.tryAcquire(key, LockMode.EX)).isEmpty();
		LockHandle reader = newManager().acquire(key, LockMode.CR, WAIT);
		assertThat(reader.tryConvert(LockMode.PW)).isFalse();
		// a later request that waits is the first notice: the tries left nothing to tell of
		CompletableFuture<LockHandle> waiting = other.acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
		await().atMost(WAIT).until(() -> !told.isEmpty());
		assertThat(told).containsOnly(LockMode.PR);
		holder.release();
		waiting.get(10, TimeUnit.SECONDS).release();
		reader.release();
	}

	@Test
	void anEpisodeEndsWhenItsRequestGivesUpAndANewRequestIsToldAgain() throws Exception {
		LockManager holding = newManager();
		LockManager asking = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = holding.acquire(key, LockMode.PR, WAIT);
		List<LockMode> told = listen(holder);
		CompletableFuture<LockHandle> first = asking.acquireAsync(key, LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(1)));
		await().atMost(WAIT).until(() -> told.size() == 1);
		await().atMost(WAIT).until(first::isDone);
		assertThat(first).isCompletedExceptionally();
		await().atMost(WAIT).until(() -> blockedModes(holding, key).isEmpty());
		CompletableFuture<LockHandle> second = asking.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
		await().atMost(WAIT).until(() -> told.size() == 2);
		assertThat(told).containsOnly(LockMode.EX);
		holder.release();
		second.get(10, TimeUnit.SECONDS).release();
	}

	@Test
	void aHolderThatConvertsDownWhenToldLetsTheWaiterIn() throws Exception {
		LockManager holding = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = holding.acquire(key, LockMode.EX, WAIT);
		holder.onBlocking((mode) -> holder.convertAsync(LockMode.CR, LockOptions.waitTime(WAIT)));
		LockHandle writer = newManager().acquire(key, LockMode.PW, WAIT);
		assertThat(holder.mode()).isEqualTo(LockMode.CR);
		assertThat(writer.fencingToken()).isGreaterThan(holder.fencingToken());
		await().atMost(WAIT).until(() -> blockedModes(holding, key).isEmpty());
		writer.release();
		holder.release();
	}

	@Test
	void aHolderThatConvertsUpIsToldOfTheRequestsItsNewModeBlocks() throws Exception {
		LockManager holding = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = holding.acquire(key, LockMode.NL, WAIT);
		LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT);
		List<LockMode> told = listen(holder);
		CompletableFuture<LockHandle> writer = newManager().acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
		// the writer waits for the reader only: NL blocks nothing
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !writer.isDone());
		assertThat(told).isEmpty();
		holder.convert(LockMode.CR, WAIT);
		await().atMost(WAIT).until(() -> !told.isEmpty());
		assertThat(told).containsOnly(LockMode.EX);
		reader.release();
		holder.release();
		writer.get(10, TimeUnit.SECONDS).release();
	}

	@Test
	void aListenerAddedWhileARequestWaitsIsToldOfIt() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = newManager().acquire(key, LockMode.CW, WAIT);
		List<LockMode> first = listen(holder);
		CompletableFuture<LockHandle> reader = newManager().acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
		await().atMost(WAIT).until(() -> !first.isEmpty());
		List<LockMode> later = listen(holder);
		await().atMost(WAIT).until(() -> !later.isEmpty());
		assertThat(later).containsOnly(LockMode.PR);
		assertThat(first).containsOnly(LockMode.PR);
		holder.release();
		reader.get(10, TimeUnit.SECONDS).release();
	}

	private static List<LockMode> listen(LockHandle holder) {
		List<LockMode> told = new CopyOnWriteArrayList<>();
		holder.onBlocking(told::add);
		return told;
	}

	private static Set<LockMode> blockedModes(LockManager manager, String key) {
		return manager.locks()
			.stream()
			.filter((info) -> info.key().equals(key) && info.state() == LockInfo.State.HELD)
			.findFirst()
			.map(LockInfo::blockedModes)
			.orElse(Set.of());
	}

}

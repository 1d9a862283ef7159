package dev.dlock.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Owner ids are drawn in batches: every request still gets an id of its own, across
 * batches and threads.
 */
class OwnerIdsTests {

	@Test
	void idsNeverRepeatAcrossBatchesAndThreads() throws Exception {
		int threads = 8;
		int perThread = OwnerIds.BATCH * 5 + 3;
		Set<String> ids = ConcurrentHashMap.newKeySet();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				done.add(pool.submit(() -> {
					start.await();
					for (int i = 0; i < perThread; i++) {
						ids.add(OwnerIds.request("key", LockMode.EX, true).ownerId());
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> each : done) {
				each.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(ids).hasSize(threads * perThread);
	}

	@Test
	void idsAre128BitsShownAsBase64Url() {
		AcquireRequest request = OwnerIds.request("key", LockMode.PR, false);
		assertThat(request.ownerId()).hasSize(22).matches("[A-Za-z0-9_-]{22}");
		assertThat(request.mode()).isEqualTo(LockMode.PR);
		assertThat(request.waitIfBusy()).isFalse();
	}

}

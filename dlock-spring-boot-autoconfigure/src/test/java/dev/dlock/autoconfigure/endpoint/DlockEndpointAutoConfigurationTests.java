package dev.dlock.autoconfigure.endpoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.spring.endpoint.DlockEndpoint;
import dev.dlock.spring.endpoint.DlockEndpoint.LockDescriptor;
import dev.dlock.spring.endpoint.DlockEndpoint.LocksDescriptor;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Tests of {@link DlockEndpointAutoConfiguration} and {@link DlockEndpoint}.
 */
class DlockEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, EndpointAutoConfiguration.class,
				DlockEndpointAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void absentUnlessExposed() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
			.doesNotHaveBean(DlockEndpoint.class));
	}

	@Test
	void listsHeldLocksWithMaskedKeysByDefault() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=dlock").run((context) -> {
			String key = "customer-" + UUID.randomUUID();
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.PW).orElseThrow()) {
				LocksDescriptor answer = context.getBean(DlockEndpoint.class).locks();
				assertThat(answer.keysMasked()).isTrue();
				assertThat(answer.locks()).hasSize(1);
				LockDescriptor lock = answer.locks().get(0);
				assertThat(lock.key()).isEqualTo(context.getBean(DlockEndpoint.class).mask(key))
					.matches("hmac:[0-9a-f]{16}");
				assertThat(lock.mode()).isEqualTo("PW");
				assertThat(lock.state()).isEqualTo("HELD");
				assertThat(lock.fencingToken()).isEqualTo(handle.fencingToken());
				assertThat(lock.heldFor()).isNotNull();
				assertThat(lock.waitingFor()).isNull();
				assertThat(lock.leaseLeft()).isPositive();
			}
			assertThat(context.getBean(DlockEndpoint.class).locks().locks()).isEmpty();
		});
	}

	@Test
	void showsThePendingConversionOfAHeldLock() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=dlock").run((context) -> {
			LockManager lockManager = context.getBean(LockManager.class);
			String key = "page-" + UUID.randomUUID();
			try (LockHandle converting = lockManager.tryAcquire(key, LockMode.PR).orElseThrow();
					LockHandle reader = CompletableFuture
						.supplyAsync(() -> lockManager.tryAcquire(key, LockMode.PR).orElseThrow())
						.join()) {
				CompletableFuture<LockHandle> upgrade = converting.convertAsync(LockMode.PW,
						LockOptions.waitTime(Duration.ofMinutes(1)));
				assertThat(context.getBean(DlockEndpoint.class).locks().locks())
					.extracting(LockDescriptor::mode, LockDescriptor::fencingToken, LockDescriptor::convertingTo)
					.containsExactlyInAnyOrder(tuple("PR", converting.fencingToken(), "PW"),
							tuple("PR", reader.fencingToken(), null));
				upgrade.cancel(true);
				assertThat(context.getBean(DlockEndpoint.class).locks().locks())
					.extracting(LockDescriptor::mode, LockDescriptor::convertingTo)
					.containsExactly(tuple("PR", null), tuple("PR", null));
			}
		});
	}

	@Test
	void showsWhatWaitsForAHoldWithABlockingListener() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=dlock").run((context) -> {
			LockManager lockManager = context.getBean(LockManager.class);
			String key = "page-" + UUID.randomUUID();
			try (LockHandle reader = lockManager.tryAcquire(key, LockMode.PR).orElseThrow()) {
				reader.onBlocking((mode) -> {
				});
				CompletableFuture<LockHandle> writer = CompletableFuture
					.supplyAsync(() -> lockManager.acquireAsync(key, LockMode.EX, LockOptions.waitTime(Duration.ofMinutes(1))))
					.join();
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(context.getBean(DlockEndpoint.class).locks().locks())
						.extracting(LockDescriptor::state, LockDescriptor::mode, LockDescriptor::blockedModes)
						.containsExactlyInAnyOrder(tuple("HELD", "PR", List.of("EX")), tuple("WAITING", "EX", List.of())));
				writer.cancel(true);
			}
		});
	}

	@Test
	void showsKeysWhenMaskingIsOff() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=dlock", "dlock.endpoint.mask-keys=false")
			.run((context) -> {
				String key = "plain-" + UUID.randomUUID();
				try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.EX).orElseThrow()) {
					LocksDescriptor answer = context.getBean(DlockEndpoint.class).locks();
					assertThat(answer.keysMasked()).isFalse();
					assertThat(answer.locks()).extracting(LockDescriptor::key).containsExactly(key);
				}
			});
	}

	@Test
	void maskIsStableWithinAnInstanceAndDiffersAcrossInstances() {
		this.runner.run((context) -> {
			LockManager lockManager = context.getBean(LockManager.class);
			DlockEndpoint instance = new DlockEndpoint(lockManager, true);
			DlockEndpoint otherInstance = new DlockEndpoint(lockManager, true);
			String shown;
			try (LockHandle handle = lockManager.tryAcquire("orders:42", LockMode.EX).orElseThrow()) {
				shown = shownKey(instance);
				assertThat(shownKey(instance)).as("the next call").isEqualTo(shown);
				assertThat(shownKey(otherInstance)).as("another instance").isNotEqualTo(shown);
			}
			try (LockHandle handle = lockManager.tryAcquire("orders:43", LockMode.EX).orElseThrow()) {
				assertThat(shownKey(instance)).as("another key").isNotEqualTo(shown);
			}
		});
	}

	@Test
	void dictionaryOfUnsaltedHashesDoesNotReverseAMaskedKey() {
		this.runner.run((context) -> {
			LockManager lockManager = context.getBean(LockManager.class);
			String key = "order:4711";
			try (LockHandle handle = lockManager.tryAcquire(key, LockMode.EX).orElseThrow()) {
				String shown = shownKey(new DlockEndpoint(lockManager, true));
				String digits = shown.substring(shown.indexOf(':') + 1);
				Map<String, String> dictionary = new HashMap<>();
				for (int id = 0; id < 10_000; id++) {
					dictionary.put(unsaltedSha256Prefix("order:" + id), "order:" + id);
				}
				assertThat(dictionary).as("a dictionary that reverses unsalted hashes of the key's kind")
					.containsEntry(unsaltedSha256Prefix(key), key);
				List<String> found = dictionary.entrySet()
					.stream()
					.filter((entry) -> digits.startsWith(entry.getKey()) || entry.getKey().startsWith(digits))
					.map(Map.Entry::getValue)
					.toList();
				assertThat(found).as("keys the dictionary finds for " + shown).isEmpty();
			}
		});
	}

	private static String shownKey(DlockEndpoint endpoint) {
		List<LockDescriptor> locks = endpoint.locks().locks();
		assertThat(locks).hasSize(1);
		return locks.get(0).key();
	}

	/** The former mask: the first 12 hex digits of the key's unsalted SHA-256. */
	private static String unsaltedSha256Prefix(String key) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest, 0, 6);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}

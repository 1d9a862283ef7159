package dev.dlock.reactive;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.LockOptions;
import org.jspecify.annotations.Nullable;

/** A handle that counts its releases, and whose release throws when told to. */
final class StubHandle implements LockHandle {

	final AtomicInteger releases = new AtomicInteger();

	private final @Nullable RuntimeException releaseFailure;

	StubHandle(@Nullable RuntimeException releaseFailure) {
		this.releaseFailure = releaseFailure;
	}

	StubHandle() {
		this(null);
	}

	@Override
	public String key() {
		return "k";
	}

	@Override
	public LockMode mode() {
		return LockMode.EX;
	}

	@Override
	public long fencingToken() {
		return 1;
	}

	@Override
	public boolean isValid() {
		return this.releases.get() == 0;
	}

	@Override
	public void ensureValid() {
	}

	@Override
	public void onLost(Consumer<dev.dlock.LockLostException> listener) {
	}

	@Override
	public void onBlocking(Consumer<LockMode> listener) {
		throw new UnsupportedOperationException();
	}

	@Override
	public LockValue value() {
		throw new UnsupportedOperationException();
	}

	@Override
	public void setValue(byte[] bytes) {
		throw new UnsupportedOperationException();
	}

	@Override
	public void convert(LockMode mode, Duration waitTime) {
		throw new UnsupportedOperationException();
	}

	@Override
	public boolean tryConvert(LockMode mode) {
		throw new UnsupportedOperationException();
	}

	@Override
	public CompletableFuture<LockHandle> convertAsync(LockMode mode, LockOptions options) {
		throw new UnsupportedOperationException();
	}

	@Override
	public void release() {
		this.releases.incrementAndGet();
		if (this.releaseFailure != null) {
			throw this.releaseFailure;
		}
	}

}

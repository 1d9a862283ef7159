package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.support.Durations;

/**
 * One hold of a grant; releasing it gives back this hold only.
 */
final class DefaultLockHandle implements LockHandle {

	private final Grant grant;

	private final AtomicBoolean released = new AtomicBoolean();

	private final Conversions conversions;

	DefaultLockHandle(Grant grant, Conversions conversions) {
		this.grant = grant;
		this.conversions = conversions;
	}

	@Override
	public String key() {
		return this.grant.key();
	}

	@Override
	public LockMode mode() {
		return this.grant.mode();
	}

	@Override
	public long fencingToken() {
		return this.grant.token();
	}

	@Override
	public boolean isValid() {
		return !this.released.get() && this.grant.isValid();
	}

	@Override
	public void ensureValid() {
		ensureNotReleased();
		LockLostException loss = this.grant.lossOrExpiry();
		if (loss != null) {
			throw loss;
		}
	}

	@Override
	public void onLost(Consumer<LockLostException> listener) {
		this.grant.onLost(listener);
	}

	@Override
	public void convert(LockMode mode, Duration waitTime) throws InterruptedException {
		ensureNotReleased();
		this.conversions.convert(this.grant, mode, Durations.positive(waitTime, "waitTime"));
	}

	@Override
	public boolean tryConvert(LockMode mode) {
		ensureNotReleased();
		return this.conversions.tryConvert(this.grant, mode);
	}

	@Override
	public CompletableFuture<LockHandle> convertAsync(LockMode mode, LockOptions options) {
		if (this.released.get()) {
			return CompletableFuture.failedFuture(released());
		}
		return this.conversions.convertAsync(this, this.grant, mode, options.waitTime());
	}

	@Override
	public void release() {
		if (this.released.compareAndSet(false, true)) {
			this.grant.releaseHold();
		}
	}

	private void ensureNotReleased() {
		if (this.released.get()) {
			throw released();
		}
	}

	private LockLostException released() {
		return this.grant.lost("Lock '" + key() + "' in mode " + mode() + " was released", null);
	}

	@Override
	public String toString() {
		return "LockHandle[key=" + key() + ", mode=" + mode() + ", token=" + fencingToken() + "]";
	}

}

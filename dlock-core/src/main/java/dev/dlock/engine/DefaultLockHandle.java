package dev.dlock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockValue;
import dev.dlock.support.Durations;

/**
 * One hold of a grant; releasing it gives back this hold only, once.
 */
final class DefaultLockHandle implements LockHandle {

	private static final VarHandle RELEASED;

	static {
		try {
			RELEASED = MethodHandles.lookup().findVarHandle(DefaultLockHandle.class, "released", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Grant grant;

	/** Set once, by compare-and-set: a field rather than an atomic object, one per held lock fewer. */
	private volatile boolean released;

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
		return !this.released && this.grant.isValid();
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
	public void onBlocking(Consumer<LockMode> listener) {
		this.grant.onBlocking(Objects.requireNonNull(listener, "'listener' must not be null"));
	}

	@Override
	public LockValue value() {
		ensureNotReleased();
		return this.grant.value();
	}

	@Override
	public void setValue(byte[] bytes) {
		ensureNotReleased();
		this.grant.setValue(bytes);
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
		if (this.released) {
			return CompletableFuture.failedFuture(released());
		}
		return this.conversions.convertAsync(this, this.grant, mode, options.waitTime());
	}

	@Override
	public void release() {
		if (RELEASED.compareAndSet(this, false, true)) {
			this.grant.releaseHold();
		}
	}

	private void ensureNotReleased() {
		if (this.released) {
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

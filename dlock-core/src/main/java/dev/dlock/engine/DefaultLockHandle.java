package dev.dlock.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;

/**
 * One hold of a grant; releasing it gives back this hold only.
 */
final class DefaultLockHandle implements LockHandle {

	private final Grant grant;

	private final AtomicBoolean released = new AtomicBoolean();

	DefaultLockHandle(Grant grant) {
		this.grant = grant;
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
		if (this.released.get()) {
			throw new LockLostException("Lock '" + key() + "' in mode " + mode() + " was released", null);
		}
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
	public void release() {
		if (this.released.compareAndSet(false, true)) {
			this.grant.releaseHold();
		}
	}

	@Override
	public String toString() {
		return "LockHandle[key=" + key() + ", mode=" + mode() + ", token=" + fencingToken() + "]";
	}

}

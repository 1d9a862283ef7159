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
 * <p>
 * One lives per held lock, so it keeps one field: the grant while the hold lasts, then a
 * {@link Released} that still names the grant (set once, by compare-and-set), and reaches
 * what converts the grant through the grant.
 */
final class DefaultLockHandle implements LockHandle {

	private static final VarHandle HOLD;

	static {
		try {
			HOLD = MethodHandles.lookup().findVarHandle(DefaultLockHandle.class, "hold", Object.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** The {@link Grant} while this hold lasts, then a {@link Released} of it. */
	private volatile Object hold;

	DefaultLockHandle(Grant grant) {
		this.hold = grant;
	}

	@Override
	public String key() {
		return grant().key();
	}

	@Override
	public LockMode mode() {
		return grant().mode();
	}

	@Override
	public long fencingToken() {
		return grant().token();
	}

	@Override
	public boolean isValid() {
		return this.hold instanceof Grant grant && grant.isValid();
	}

	@Override
	public void ensureValid() {
		LockLostException loss = held().lossOrExpiry();
		if (loss != null) {
			throw loss;
		}
	}

	@Override
	public void onLost(Consumer<LockLostException> listener) {
		grant().onLost(listener);
	}

	@Override
	public void onBlocking(Consumer<LockMode> listener) {
		grant().onBlocking(Objects.requireNonNull(listener, "'listener' must not be null"));
	}

	@Override
	public LockValue value() {
		return held().value();
	}

	@Override
	public void setValue(byte[] bytes) {
		held().setValue(bytes);
	}

	@Override
	public void convert(LockMode mode, Duration waitTime) throws InterruptedException {
		Grant grant = held();
		grant.converter().convert(grant, mode, Durations.positive(waitTime, "waitTime"));
	}

	@Override
	public boolean tryConvert(LockMode mode) {
		Grant grant = held();
		return grant.converter().tryConvert(grant, mode);
	}

	@Override
	public CompletableFuture<LockHandle> convertAsync(LockMode mode, LockOptions options) {
		Object current = this.hold;
		if (current instanceof Released released) {
			return CompletableFuture.failedFuture(released.failure());
		}
		Grant grant = (Grant) current;
		return grant.converter().convertAsync(this, grant, mode, options.waitTime());
	}

	@Override
	public void release() {
		if (this.hold instanceof Grant grant && HOLD.compareAndSet(this, grant, new Released(grant))) {
			grant.releaseHold();
		}
	}

	/** The grant, whether or not this hold was released. */
	private Grant grant() {
		Object current = this.hold;
		return (current instanceof Released released) ? released.grant() : (Grant) current;
	}

	/** The grant while this hold lasts; a failure once it was released. */
	private Grant held() {
		Object current = this.hold;
		if (current instanceof Released released) {
			throw released.failure();
		}
		return (Grant) current;
	}

	@Override
	public String toString() {
		return "LockHandle[key=" + key() + ", mode=" + mode() + ", token=" + fencingToken() + "]";
	}

	/** A released hold of a grant. */
	private record Released(Grant grant) {

		LockLostException failure() {
			return this.grant.lost("Lock '" + this.grant.key() + "' in mode " + this.grant.mode() + " was released",
					null);
		}

	}

}

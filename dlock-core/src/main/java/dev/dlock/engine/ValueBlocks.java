package dev.dlock.engine;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.QueueEntry;
import dev.dlock.support.AsyncFailures;
import org.jspecify.annotations.Nullable;

/**
 * The value blocks that a manager's grants read and set (DESIGN.md §12): per grant, the
 * value read from the server (answered again while the grant keeps its mode and token) and
 * the value its holder set, which is written before the grant's release or its conversion
 * out of {@code PW} and {@code EX}. Kept here rather than in the grant, so that a grant
 * that uses no value carries nothing; for such grants every call is one check of an empty
 * map.
 */
final class ValueBlocks {

	private final ConcurrentHashMap<Grant, Slot> byGrant = new ConcurrentHashMap<>();

	private final boolean supported;

	private final EngineObservations observations;

	/**
	 * @param supported whether the backend keeps value blocks
	 * ({@link dev.dlock.spi.BackendCapability#VALUE_BLOCKS})
	 */
	ValueBlocks(boolean supported, EngineObservations observations) {
		this.supported = supported;
		this.observations = observations;
	}

	/** The grant's value: the one its holder set, the one read in its mode, or a fresh read. */
	LockValue value(Grant grant) {
		checkSupported();
		grant.lossOrExpiryThrow();
		Grant.Held held = grant.held();
		if (held.mode() == LockMode.NL) {
			throw new IllegalStateException("Lock '" + grant.key() + "' is held in NL, which reads no value");
		}
		Slot slot = this.byGrant.isEmpty() ? null : this.byGrant.get(grant);
		if (slot != null) {
			LockValue known = slot.known(held);
			if (known != null) {
				return known;
			}
		}
		LockValue read = read(grant);
		if (!read.valid()) {
			grant.invalidValueRead();
		}
		remember(grant).read(held, read);
		return read;
	}

	/** Sets the value the grant writes when it leaves {@code PW} and {@code EX}. */
	void setValue(Grant grant, byte[] bytes) {
		checkSupported();
		LockValue value = new LockValue(bytes, 0, true); // checks the bound and copies
		grant.lossOrExpiryThrow();
		LockMode mode = grant.mode();
		if (!isWriting(mode)) {
			throw new IllegalStateException("Lock '" + grant.key() + "' is held in " + mode
					+ ": only a PW or EX holder sets the value");
		}
		remember(grant).toWrite(value);
	}

	/**
	 * The value the grant's holder set and has not written yet, with the grant's token as
	 * version; {@code null} if none.
	 */
	@Nullable LockValue toWrite(Grant grant) {
		Slot slot = this.byGrant.isEmpty() ? null : this.byGrant.get(grant);
		return (slot != null) ? slot.toWrite(grant.token()) : null;
	}

	/** The value was written (or found not writable): the holder's next read asks the server. */
	void written(Grant grant, LockValue value) {
		Slot slot = this.byGrant.isEmpty() ? null : this.byGrant.get(grant);
		if (slot != null) {
			slot.written(value);
		}
	}

	/** Forgets the grant, which was lost: a lost holder never writes what it set. */
	void lost(Grant grant) {
		if (!this.byGrant.isEmpty()) {
			this.byGrant.remove(grant);
		}
	}

	/**
	 * Forgets the grant, which was released, and tells what its removal writes first: the
	 * value its holder set, or, for a {@code PW} or {@code EX} grant no longer valid (its
	 * holder may have changed the data halfway), an invalid mark.
	 */
	Releaser.ValueWrite released(Grant grant) {
		Slot slot = this.byGrant.isEmpty() ? null : this.byGrant.remove(grant);
		LockValue set = (slot != null) ? slot.toWrite(grant.token()) : null;
		if (set != null) {
			return new Releaser.ValueWrite(set, false);
		}
		if (this.supported && isWriting(grant.mode()) && grant.lossOrExpiry() != null) {
			return Releaser.ValueWrite.INVALIDATE;
		}
		return Releaser.ValueWrite.NONE;
	}

	static boolean isWriting(LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	private LockValue read(Grant grant) {
		QueueEntry entry = grant.entry().queueEntry();
		LockValue read;
		try {
			read = (entry != null) ? grant.session().backend().readValue(entry).join() : null;
		}
		catch (CompletionException | CancellationException ex) {
			throw AsyncFailures.toLockException(ex, "Reading the value of lock '" + grant.key() + "'");
		}
		if (read == null) {
			grant.lossOrExpiryThrow();
			throw grant.lost("Lock '" + grant.key() + "' is no longer on the server", null);
		}
		return read;
	}

	/**
	 * The grant's slot; one made for a grant that ended meanwhile (released by another hold,
	 * or lost) is dropped again and the caller told: either {@link #released} or
	 * {@link #lost} finds the slot, or this method finds the grant ended.
	 */
	private Slot remember(Grant grant) {
		Slot slot = this.byGrant.computeIfAbsent(grant, (key) -> new Slot());
		if (grant.entry().isEnded()) {
			this.byGrant.remove(grant);
			grant.lossOrExpiryThrow();
			throw grant.lost("Lock '" + grant.key() + "' was released", null);
		}
		return slot;
	}

	private void checkSupported() {
		if (!this.supported) {
			throw new UnsupportedOperationException(
					"The " + this.observations.backend() + " backend keeps no lock values");
		}
	}

	/** What one grant read and set. */
	private static final class Slot {

		/** The last read, with the mode and token it was read in. */
		private @Nullable Read read;

		private @Nullable LockValue toWrite;

		synchronized @Nullable LockValue known(Grant.Held held) {
			if (this.toWrite != null) {
				return new LockValue(this.toWrite.bytes(), held.token(), true);
			}
			Read last = this.read;
			return (last != null && last.held().equals(held)) ? last.value() : null;
		}

		synchronized void read(Grant.Held held, LockValue value) {
			this.read = new Read(held, value);
		}

		synchronized void toWrite(LockValue value) {
			this.toWrite = value;
		}

		synchronized @Nullable LockValue toWrite(long token) {
			return (this.toWrite != null) ? new LockValue(this.toWrite.bytes(), token, true) : null;
		}

		synchronized void written(LockValue value) {
			if (this.toWrite != null && Arrays.equals(this.toWrite.bytes(), value.bytes())) {
				this.toWrite = null;
			}
			this.read = null;
		}

	}

	private record Read(Grant.Held held, LockValue value) {
	}

}

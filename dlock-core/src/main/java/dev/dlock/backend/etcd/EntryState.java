package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;

import dev.dlock.LockMode;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * What an entry's value says: {@code [=]<mode>[><target>][!]:<user key>}.
 * <p>
 * An entry that no conversion has touched is <em>plain</em> ({@code PR:key}): its mode is
 * the requested one, and whether it is granted follows from the queue. A conversion makes
 * entries <em>explicit</em> ({@code =PR:key}: granted in {@code PR}), so that no later
 * conversion can make a grant look like a wait: its own entry, with a pending conversion
 * ({@code =PR>EX:key}, its conversion order being the entry's mod revision), and the plain
 * granted entries a pending conversion would otherwise block. A trailing {@code !} flags an
 * entry that waited while a conversion was granted: it draws a new fencing token when it is
 * granted; a trailing {@code #} marks the grant that drew it ({@code =PR#:key}), so that a
 * repeated poll answers the same token.
 *
 * @param mode the requested mode of a plain entry, or the granted mode of an explicit one
 * @param explicit whether the value says that the entry is granted
 * @param target the mode of a pending conversion, or {@code null}
 * @param flagged whether the entry draws a new token when granted
 * @param drawn whether the entry is a request granted with a token it drew: its mod revision
 * @param lockKey the readable lock key, for diagnostics
 */
record EntryState(LockMode mode, boolean explicit, @Nullable LockMode target, boolean flagged, boolean drawn,
		String lockKey) {

	private static final char KEY_SEPARATOR = ':';

	private static final char GRANTED = '=';

	private static final char CONVERTING = '>';

	private static final char FLAGGED = '!';

	private static final char DRAWN = '#';

	/** A plain entry of a new request. */
	static EntryState plain(LockMode mode, String lockKey) {
		return new EntryState(mode, false, null, false, false, lockKey);
	}

	/**
	 * Reads a value. A value this version cannot read is taken as a plain {@link LockMode#EX}
	 * request: it blocks every request but NL rather than letting a conflicting one through.
	 */
	static EntryState parse(ByteSequence value) {
		String text = value.toString(StandardCharsets.UTF_8);
		int end = text.indexOf(KEY_SEPARATOR);
		String lockKey = (end < 0) ? "" : text.substring(end + 1);
		EntryState unreadable = plain(LockMode.EX, lockKey);
		if (end < 0) {
			return unreadable;
		}
		String state = text.substring(0, end);
		boolean explicit = state.startsWith(String.valueOf(GRANTED));
		boolean drawn = state.endsWith(String.valueOf(DRAWN));
		boolean flagged = state.endsWith(String.valueOf(FLAGGED));
		state = state.substring(explicit ? 1 : 0, state.length() - ((flagged || drawn) ? 1 : 0));
		int arrow = state.indexOf(CONVERTING);
		try {
			if (arrow < 0) {
				return new EntryState(LockMode.valueOf(state), explicit, null, flagged, drawn && explicit, lockKey);
			}
			if (!explicit) {
				return unreadable;
			}
			return new EntryState(LockMode.valueOf(state.substring(0, arrow)), true,
					LockMode.valueOf(state.substring(arrow + 1)), flagged, false, lockKey);
		}
		catch (IllegalArgumentException ex) {
			return unreadable;
		}
	}

	/** The value that stores this state. */
	ByteSequence toValue() {
		StringBuilder text = new StringBuilder();
		if (this.explicit) {
			text.append(GRANTED);
		}
		text.append(this.mode.name());
		if (this.target != null) {
			text.append(CONVERTING).append(this.target.name());
		}
		if (this.flagged) {
			text.append(FLAGGED);
		}
		else if (this.drawn) {
			text.append(DRAWN);
		}
		return EtcdLayout.bytes(text.append(KEY_SEPARATOR).append(this.lockKey).toString());
	}

	/** Granted in {@code granted}, with no conversion pending and no flag. */
	EntryState grantedIn(LockMode granted) {
		return new EntryState(granted, true, null, false, false, this.lockKey);
	}

	/**
	 * A waiting request's grant that draws a new token: the mod revision of the write that
	 * records it, which a repeated poll answers again.
	 */
	EntryState drawnIn(LockMode granted) {
		return new EntryState(granted, true, null, false, true, this.lockKey);
	}

	/** Granted in its mode, explicitly, keeping its flag. */
	EntryState frozen() {
		return new EntryState(this.mode, true, null, this.flagged, false, this.lockKey);
	}

	/** Granted in its mode, with a pending conversion to {@code to}. */
	EntryState converting(LockMode to) {
		return new EntryState(this.mode, true, to, false, false, this.lockKey);
	}

	/** The same state, flagged. */
	EntryState withFlag() {
		return new EntryState(this.mode, this.explicit, this.target, true, false, this.lockKey);
	}

	/** The same state naming its lock by an equal key object. */
	EntryState withLockKey(String sameKey) {
		return new EntryState(this.mode, this.explicit, this.target, this.flagged, this.drawn, sameKey);
	}

	/** Whether another state blocks in the same way (the flag and explicitness aside). */
	boolean blocksLike(EntryState other) {
		return this.mode == other.mode && this.target == other.target;
	}

}

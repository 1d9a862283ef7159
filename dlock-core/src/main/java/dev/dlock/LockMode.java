package dev.dlock;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The six lock modes of the VMS distributed lock manager.
 * <p>
 * The compatibility matrix below is the only copy of it in dlock: every backend derives
 * its decisions from {@link #isCompatibleWith(LockMode)} or {@link #conflictingModes()}.
 * The matrix is symmetric.
 *
 * <pre>
 * held \ requested  NL  CR  CW  PR  PW  EX
 *  NL               yes yes yes yes yes yes
 *  CR               yes yes yes yes yes no
 *  CW               yes yes yes no  no  no
 *  PR               yes yes no  yes no  no
 *  PW               yes yes no  no  no  no
 *  EX               yes no  no  no  no  no
 * </pre>
 *
 * @since 0.1.0
 */
public enum LockMode {

	/** Null: no access; conflicts with nothing. */
	NL("111111"),

	/** Concurrent read: read while others may write concurrently. */
	CR("111110"),

	/** Concurrent write: write while others may read or write concurrently. */
	CW("111000"),

	/** Protected read: shared read; no writers. */
	PR("110100"),

	/** Protected write: one writer while others may only read concurrently. */
	PW("110000"),

	/** Exclusive: no other access except NL. */
	EX("100000");

	private final String compatibilityRow;

	private Set<LockMode> conflicting = Set.of();

	/** The conflicting modes as bits by ordinal, for the checks on every grant and conversion. */
	private int conflictBits;

	LockMode(String compatibilityRow) {
		this.compatibilityRow = compatibilityRow;
	}

	static {
		for (LockMode held : values()) {
			EnumSet<LockMode> conflicts = EnumSet.noneOf(LockMode.class);
			for (LockMode requested : values()) {
				if (held.compatibilityRow.charAt(requested.ordinal()) == '0') {
					conflicts.add(requested);
				}
			}
			held.conflicting = Collections.unmodifiableSet(conflicts);
			for (LockMode conflict : conflicts) {
				held.conflictBits |= 1 << conflict.ordinal();
			}
		}
	}

	/**
	 * Whether a lock held in this mode allows another owner to hold {@code other} at the
	 * same time.
	 * @param other the other mode
	 * @return {@code true} if the two modes can be granted together
	 */
	public boolean isCompatibleWith(LockMode other) {
		return (this.conflictBits & (1 << other.ordinal())) == 0;
	}

	/**
	 * The modes that cannot be granted together with this one.
	 * @return an unmodifiable set, empty for {@link #NL}
	 */
	public Set<LockMode> conflictingModes() {
		return this.conflicting;
	}

	/**
	 * Whether holding this mode already grants everything {@code other} would: every mode
	 * that conflicts with {@code other} also conflicts with this one. A thread that holds
	 * a covering mode gets a re-entrant hold at once.
	 * @param other the mode asked for
	 * @return {@code true} if this mode is at least as strong as {@code other}
	 */
	public boolean covers(LockMode other) {
		return (other.conflictBits & ~this.conflictBits) == 0;
	}

}

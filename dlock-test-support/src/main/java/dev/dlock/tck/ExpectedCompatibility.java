package dev.dlock.tck;

import dev.dlock.LockMode;

/**
 * The VMS compatibility matrix as DESIGN.md states it, written out independently of
 * {@link LockMode} so that a wrong cell there makes tests fail.
 */
public final class ExpectedCompatibility {

	// rows: held NL CR CW PR PW EX; columns: requested NL CR CW PR PW EX
	private static final String[] MATRIX = {
			"yyyyyy", // NL
			"yyyyyn", // CR
			"yyynnn", // CW
			"yynynn", // PR
			"yynnnn", // PW
			"ynnnnn", // EX
	};

	private static final String ORDER = "NL CR CW PR PW EX";

	private ExpectedCompatibility() {
	}

	/**
	 * Whether {@code requested} may be granted while {@code held} is held.
	 * @param held the held mode
	 * @param requested the requested mode
	 * @return the answer from the specification
	 */
	public static boolean compatible(LockMode held, LockMode requested) {
		return MATRIX[index(held)].charAt(index(requested)) == 'y';
	}

	private static int index(LockMode mode) {
		return ORDER.indexOf(mode.name()) / 3;
	}

}

package dev.dlock;

import dev.dlock.tck.ExpectedCompatibility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

class LockModeTests {

	@Test
	void everyCellMatchesTheSpecification() {
		for (LockMode held : LockMode.values()) {
			for (LockMode requested : LockMode.values()) {
				assertThat(held.isCompatibleWith(requested)).as("%s held, %s requested", held, requested)
					.isEqualTo(ExpectedCompatibility.compatible(held, requested));
			}
		}
	}

	@Test
	void matrixIsSymmetric() {
		for (LockMode a : LockMode.values()) {
			for (LockMode b : LockMode.values()) {
				assertThat(a.isCompatibleWith(b)).isEqualTo(b.isCompatibleWith(a));
			}
		}
	}

	@ParameterizedTest
	@EnumSource(LockMode.class)
	void conflictingModesAreTheIncompatibleOnes(LockMode mode) {
		for (LockMode other : LockMode.values()) {
			assertThat(mode.conflictingModes().contains(other)).isEqualTo(!mode.isCompatibleWith(other));
		}
	}

	@Test
	void coversFollowsStrength() {
		assertThat(LockMode.EX.covers(LockMode.PW)).isTrue();
		assertThat(LockMode.PW.covers(LockMode.PR)).isTrue();
		assertThat(LockMode.PW.covers(LockMode.CW)).isTrue();
		assertThat(LockMode.CW.covers(LockMode.CR)).isTrue();
		assertThat(LockMode.PR.covers(LockMode.CR)).isTrue();
		assertThat(LockMode.CR.covers(LockMode.NL)).isTrue();
		assertThat(LockMode.PR.covers(LockMode.CW)).isFalse();
		assertThat(LockMode.CW.covers(LockMode.PR)).isFalse();
		assertThat(LockMode.PR.covers(LockMode.PW)).isFalse();
		assertThat(LockMode.NL.covers(LockMode.CR)).isFalse();
		for (LockMode mode : LockMode.values()) {
			assertThat(mode.covers(mode)).isTrue();
			assertThat(LockMode.EX.covers(mode)).isTrue();
		}
	}

	@Test
	void aModeCoversAnotherExactlyWhenItConflictsWithEverythingTheOtherConflictsWith() {
		for (LockMode held : LockMode.values()) {
			for (LockMode other : LockMode.values()) {
				assertThat(held.covers(other)).as("%s covers %s", held, other)
					.isEqualTo(held.conflictingModes().containsAll(other.conflictingModes()));
			}
		}
	}

}

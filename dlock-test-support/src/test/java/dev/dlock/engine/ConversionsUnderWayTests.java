package dev.dlock.engine;

import java.util.concurrent.CompletableFuture;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conversions under way are kept by grant, outside the grants: one is pending per grant
 * at most, and nothing stays behind once a conversion ends and its withdrawal settles.
 */
class ConversionsUnderWayTests {

	private final Grant grant = TestGrants.grant();

	private final Grant other = TestGrants.grant();

	private final Grant.ConversionsUnderWay conversions = new Grant.ConversionsUnderWay();

	@Test
	void oneConversionIsPendingPerGrantUntilItEnds() {
		Grant.PendingConversion first = new Grant.PendingConversion(LockMode.EX, (loss) -> {
		});
		Grant.PendingConversion second = new Grant.PendingConversion(LockMode.PW, (loss) -> {
		});
		assertThat(this.conversions.start(this.grant, first)).isTrue();
		assertThat(this.conversions.start(this.grant, second)).isFalse();
		assertThat(this.conversions.start(this.other, second)).isTrue();
		assertThat(this.conversions.of(this.grant)).isSameAs(first);
		this.conversions.end(this.grant, second);
		assertThat(this.conversions.of(this.grant)).as("another conversion's end ends nothing").isSameAs(first);
		this.conversions.end(this.grant, first);
		assertThat(this.conversions.of(this.grant)).isNull();
		assertThat(this.conversions.of(this.other)).isSameAs(second);
	}

	@Test
	void theNextConversionWaitsForTheLastWithdrawalUntilItSettles() {
		assertThat(this.conversions.withdrawalsSettled(this.grant)).isDone();
		CompletableFuture<Void> earlier = new CompletableFuture<>();
		CompletableFuture<Void> last = new CompletableFuture<>();
		this.conversions.withdrawing(this.grant, earlier);
		this.conversions.withdrawing(this.grant, last);
		assertThat(this.conversions.withdrawalsSettled(this.grant)).isSameAs(last);
		earlier.complete(null);
		assertThat(this.conversions.withdrawalsSettled(this.grant)).as("an earlier withdrawal settling").isSameAs(last);
		assertThat(this.conversions.withdrawalsSettled(this.other)).isDone();
		last.complete(null);
		assertThat(this.conversions.withdrawalsSettled(this.grant)).isDone().isNotSameAs(last);
	}

	@Test
	void aWithdrawalSettledAlreadyIsNotKept() {
		this.conversions.withdrawing(this.grant, CompletableFuture.completedFuture(null));
		assertThat(this.conversions.withdrawalsSettled(this.grant)).isDone();
	}

}

package dev.dlock.support;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table whose members are their own chain links.
 */
class LockKeyTableTests {

	private final LockKeyTable<Member> table = new LockKeyTable<>();

	@Test
	void findsEachMemberInTheChainOfItsKeyAcrossResizes() {
		List<Member> members = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			Member member = new Member("key-" + i);
			members.add(member);
			this.table.add(member);
		}
		assertThat(this.table.size()).isEqualTo(1_000);
		for (Member member : members) {
			assertThat(chainOf(member.lockKey())).contains(member);
		}
		assertThat(this.table.members()).containsExactlyInAnyOrderElementsOf(members);
	}

	@Test
	void keysWithEqualHashCodesShareAChainAndStayApart() {
		assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
		Member aa = new Member("Aa");
		Member bb = new Member("BB");
		Member secondAa = new Member("Aa");
		this.table.add(aa);
		this.table.add(bb);
		this.table.add(secondAa);
		assertThat(chainOf("Aa")).containsExactlyInAnyOrder(aa, bb, secondAa);
		assertThat(this.table.remove(bb)).isTrue();
		assertThat(chainOf("Aa")).containsExactlyInAnyOrder(aa, secondAa);
		assertThat(this.table.size()).isEqualTo(2);
	}

	@Test
	void removesAMemberFromTheHeadTheMiddleOrTheEndOfItsChain() {
		Member first = new Member("Aa");
		Member middle = new Member("BB");
		Member last = new Member("Aa");
		this.table.add(last);
		this.table.add(middle);
		this.table.add(first);
		assertThat(this.table.remove(middle)).isTrue();
		assertThat(chainOf("Aa")).containsExactly(first, last);
		assertThat(this.table.remove(first)).isTrue();
		assertThat(chainOf("Aa")).containsExactly(last);
		assertThat(this.table.remove(last)).isTrue();
		assertThat(this.table.chain("Aa")).isNull();
		assertThat(this.table.size()).isZero();
	}

	@Test
	void removingAMemberThatIsNotInTheTableChangesNothing() {
		Member kept = new Member("Aa");
		this.table.add(kept);
		Member stranger = new Member("BB");
		stranger.nextInTable(kept);
		assertThat(this.table.remove(stranger)).isFalse();
		assertThat(this.table.remove(kept)).isTrue();
		assertThat(this.table.remove(kept)).isFalse();
		assertThat(this.table.size()).isZero();
	}

	@Test
	void clearTakesEveryMemberOut() {
		for (int i = 0; i < 100; i++) {
			this.table.add(new Member("key-" + i));
		}
		this.table.clear();
		assertThat(this.table.size()).isZero();
		assertThat(this.table.members()).isEmpty();
		assertThat(this.table.chain("key-7")).isNull();
		Member again = new Member("key-7");
		this.table.add(again);
		assertThat(chainOf("key-7")).containsExactly(again);
	}

	private List<Member> chainOf(String lockKey) {
		List<Member> chain = new ArrayList<>();
		for (Member member = this.table.chain(lockKey); member != null; member = member.nextInTable()) {
			if (member.lockKey().hashCode() == lockKey.hashCode()) {
				chain.add(member);
			}
		}
		return chain;
	}

	private static final class Member implements LockKeyTable.Member<Member> {

		private final String lockKey;

		private @Nullable Member next;

		Member(String lockKey) {
			this.lockKey = lockKey;
		}

		@Override
		public String lockKey() {
			return this.lockKey;
		}

		@Override
		public @Nullable Member nextInTable() {
			return this.next;
		}

		@Override
		public void nextInTable(@Nullable Member next) {
			this.next = next;
		}

	}

}

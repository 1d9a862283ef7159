package dev.dlock.sample;

import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;

import org.springframework.stereotype.Service;

/**
 * A running total that many writers update at once under concurrent write (CW), each
 * with an atomic add, and that readers read under concurrent read (CR) without stopping
 * them. An auditor's protected read (PR) would wait for the writers instead.
 */
@Service
public class Ledger {

	static final String KEY = "ledger:total";

	private final AtomicLong total = new AtomicLong();

	/**
	 * Adds to the total alongside other writers.
	 * @param amount the amount
	 * @return the total after the add
	 */
	@DistributedLock(key = KEY, mode = LockMode.CW, waitTime = "5s")
	public long add(long amount) {
		return this.total.addAndGet(amount);
	}

	/**
	 * Reads the total while writers may be adding.
	 * @return the total
	 */
	@DistributedLock(key = KEY, mode = LockMode.CR, waitTime = "5s")
	public long total() {
		return this.total.get();
	}

}

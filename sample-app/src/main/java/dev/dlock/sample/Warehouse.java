package dev.dlock.sample;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.dlock.annotation.DistributedLock;

import org.springframework.stereotype.Service;

/**
 * A stock counter updated with a deliberately non-atomic read-modify-write: only the
 * lock keeps updates from getting lost.
 */
@Service
public class Warehouse {

	private final Map<String, Integer> reserved = new ConcurrentHashMap<>();

	/**
	 * Reserves one unit of a SKU under an exclusive lock on that SKU.
	 * @param sku the SKU
	 * @return how many units of the SKU are reserved now
	 */
	@DistributedLock(key = "sku:#{#sku}", waitTime = "10s")
	public int reserveOne(String sku) {
		int before = this.reserved.getOrDefault(sku, 0);
		Thread.yield(); // widen the race window: without the lock, updates get lost
		this.reserved.put(sku, before + 1);
		return before + 1;
	}

	/**
	 * How many units of a SKU are reserved.
	 * @param sku the SKU
	 * @return the count
	 */
	public int reserved(String sku) {
		return this.reserved.getOrDefault(sku, 0);
	}

}

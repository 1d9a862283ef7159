package dev.dlock.sample;

import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;

import org.springframework.stereotype.Service;

/**
 * A stock counter that every instance of the app updates with a deliberately non-atomic
 * read-modify-write of a shared file ({@link StockFolder}): only the lock keeps updates
 * from getting lost, also between instances.
 */
@Service
public class Warehouse {

	private final StockFolder stock;

	public Warehouse(StockFolder stock) {
		this.stock = stock;
	}

	/**
	 * Reserves one unit of a SKU under an exclusive lock on that SKU.
	 * @param sku the SKU
	 * @return how many units of the SKU are counted now
	 */
	@DistributedLock(key = "sku:#{#sku}", waitTime = "10s")
	public int reserveOne(String sku) {
		this.stock.journal(sku);
		int before = this.stock.count(sku);
		this.stock.writeCount(sku, before + 1);
		return before + 1;
	}

	/**
	 * The reservations of a SKU and its count, read together under a protected read (PR),
	 * which waits for a reservation under way.
	 * @param sku the SKU
	 * @return the tally
	 */
	@DistributedLock(key = "sku:#{#sku}", mode = LockMode.PR, waitTime = "10s")
	public Tally tally(String sku) {
		return new Tally(this.stock.reservations(sku), this.stock.count(sku));
	}

	/**
	 * The reservations made of a SKU, by every instance, and the units counted.
	 *
	 * @param reservations how many reservations were made
	 * @param counted the count they left
	 */
	public record Tally(long reservations, long counted) {

		/**
		 * Reservations that the count does not show.
		 * @return the number of lost updates
		 */
		public long lostUpdates() {
			return this.reservations - this.counted;
		}

	}

}

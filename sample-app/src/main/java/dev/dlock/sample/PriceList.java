package dev.dlock.sample;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockManager;
import dev.dlock.coherence.CoherentValue;
import org.springframework.stereotype.Component;

/**
 * Prices cached in this instance and kept coherent with every other instance of the app
 * through the lock manager alone: one {@link CoherentValue} per SKU, on the lock key
 * {@code price:<sku>}. A price read again is served from the copy without asking the
 * backend; a price changed through any instance is seen by every instance's next read.
 * The prices live in the shared {@link StockFolder}.
 */
@Component
public class PriceList implements AutoCloseable {

	private final LockManager locks;

	private final StockFolder folder;

	private final Map<String, CoherentValue<Long>> prices = new ConcurrentHashMap<>();

	/** Per SKU: how often this instance read the price from the folder. */
	private final Map<String, AtomicLong> loads = new ConcurrentHashMap<>();

	public PriceList(LockManager locks, StockFolder folder) {
		this.locks = locks;
		this.folder = folder;
	}

	/**
	 * The price of a SKU: the cached copy, or read from the folder if another instance
	 * changed it since.
	 * @param sku the SKU
	 * @return the price in cents, 0 for a SKU never priced
	 */
	long price(String sku) throws InterruptedException {
		return cached(sku).get();
	}

	/**
	 * Changes the price of a SKU, so that every instance's next read sees it.
	 * @param sku the SKU
	 * @param cents the new price
	 */
	void setPrice(String sku, long cents) throws InterruptedException {
		cached(sku).update(() -> this.folder.writePrice(sku, cents));
	}

	/**
	 * How often this instance read the price of a SKU from the folder.
	 * @param sku the SKU
	 * @return the number of loads
	 */
	long loads(String sku) {
		AtomicLong count = this.loads.get(sku);
		return (count != null) ? count.get() : 0;
	}

	/** Drops the copies and their holds (Spring calls it when the app stops). */
	@Override
	public void close() {
		this.prices.values().forEach(CoherentValue::close);
	}

	private CoherentValue<Long> cached(String sku) {
		return this.prices.computeIfAbsent(sku, (key) -> CoherentValue.of(this.locks, "price:" + sku, () -> {
			this.loads.computeIfAbsent(sku, (counted) -> new AtomicLong()).incrementAndGet();
			return this.folder.price(sku);
		}));
	}

}

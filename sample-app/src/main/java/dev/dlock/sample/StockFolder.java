package dev.dlock.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The warehouse's stock, in files of a folder ({@code sample.stock-dir}) that every
 * instance of the app on one machine shares, so that two instances update the same
 * counts. Per SKU:
 * <ul>
 * <li>{@code <sku>.count}: the number of units reserved, read and then written back
 * (replaced whole, so a reader never sees half a number); between the read and the
 * write, another writer's update can get lost;</li>
 * <li>{@code <sku>.journal}: one byte appended per reservation (an atomic append), so
 * its length is the number of reservations made, whatever happened to the count;</li>
 * <li>{@code <sku>.price}: the price in cents, which {@link PriceList} caches.</li>
 * </ul>
 * This class does no locking: {@link Warehouse} and {@link PriceList} do.
 */
@Component
public class StockFolder {

	private static final Pattern SKU = Pattern.compile("[A-Za-z0-9-]{1,64}");

	private static final byte[] ONE_RESERVATION = { '+' };

	private final Path folder;

	public StockFolder(@Value("${sample.stock-dir}") Path folder) throws IOException {
		this.folder = Files.createDirectories(folder);
	}

	/**
	 * Whether a SKU can name the files of its stock.
	 * @param sku the SKU
	 * @return whether it is 1 to 64 letters, digits and dashes
	 */
	static boolean isValid(String sku) {
		return SKU.matcher(sku).matches();
	}

	/**
	 * The units of a SKU counted so far.
	 * @param sku the SKU
	 * @return the count, 0 for a SKU never counted
	 */
	int count(String sku) {
		return (int) readNumber(sku, ".count");
	}

	/**
	 * Replaces the count of a SKU.
	 * @param sku the SKU
	 * @param count the new count
	 */
	void writeCount(String sku, int count) {
		writeNumber(sku, ".count", count);
	}

	/**
	 * The price of a SKU, in cents.
	 * @param sku the SKU
	 * @return the price, 0 for a SKU never priced
	 */
	long price(String sku) {
		return readNumber(sku, ".price");
	}

	/**
	 * Replaces the price of a SKU.
	 * @param sku the SKU
	 * @param cents the new price, in cents
	 */
	void writePrice(String sku, long cents) {
		writeNumber(sku, ".price", cents);
	}

	private long readNumber(String sku, String suffix) {
		Path file = file(sku, suffix);
		try {
			return Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII)) : 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Replaces a number whole, so that a reader never sees half of it. */
	private void writeNumber(String sku, String suffix, long number) {
		try {
			Path written = Files.createTempFile(this.folder, sku, ".tmp");
			Files.writeString(written, Long.toString(number), StandardCharsets.US_ASCII);
			Files.move(written, file(sku, suffix), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Records one reservation of a SKU in its journal.
	 * @param sku the SKU
	 */
	void journal(String sku) {
		try {
			Files.write(file(sku, ".journal"), ONE_RESERVATION, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * How many reservations of a SKU the journal holds.
	 * @param sku the SKU
	 * @return the number, 0 for a SKU never reserved
	 */
	long reservations(String sku) {
		Path file = file(sku, ".journal");
		try {
			return Files.exists(file) ? Files.size(file) : 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private Path file(String sku, String suffix) {
		if (!isValid(sku)) {
			throw new IllegalArgumentException("'sku' must be 1 to 64 letters, digits and dashes");
		}
		return this.folder.resolve(sku + suffix);
	}

}

package dev.dlock.spi;

/**
 * A registration for change signals; closing it stops them. Idempotent.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

	/**
	 * Stops the signals.
	 */
	@Override
	void close();

}

package dev.dlock.testing;

/**
 * Thread helpers for the tests whose threads Lincheck's model checker runs: plain code, so
 * that the checker has nothing more to instrument than the threads' own work.
 */
public final class Threads {

	private Threads() {
	}

	/**
	 * Joins threads in turn; an interrupt of the joining thread is kept and ends the test.
	 * @param threads the threads to join
	 */
	public static void join(Thread... threads) {
		try {
			for (Thread thread : threads) {
				thread.join();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}

package dev.dlock.engine;

import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.testing.Threads;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;
import org.junit.jupiter.api.Test;

/**
 * A grant keeps its loss listeners and then its loss in one field: a listener added while
 * the grant is lost must be told once, whichever comes first. Lincheck's model checker
 * runs one grant's {@code onLost} and {@code entryLost} on two threads and switches between
 * them at every access to the grant's fields, so the loss can land between the listener's
 * read of the list and its addition to it (the test fails there if {@code onLost} does not
 * read the field again after adding).
 */
class GrantLossInterleavingTests {

	/**
	 * As {@code Explorer}'s in {@code dev.dlock.concurrency}, except that the JDK's code is
	 * analysed too: the window lies between the read of the field and the addition to the
	 * list, where only the list's own (JDK) code runs. The grant alone is small enough for it.
	 */
	private static final LincheckSettings SETTINGS = new LincheckSettings(true, 10, 50, 20);

	@Test
	void aListenerAddedWhileTheGrantIsLostIsToldOnce() {
		Lincheck.runConcurrentTestInternal$lincheck(200, SETTINGS, () -> {
			Grant grant = TestGrants.grant();
			AtomicInteger told = new AtomicInteger();
			Thread adding = new Thread(() -> grant.onLost((loss) -> told.incrementAndGet()));
			Thread losing = new Thread(() -> grant.entryLost("gone", null));
			adding.start();
			losing.start();
			Threads.join(adding, losing);
			if (told.get() != 1) {
				throw new AssertionError("the listener was told " + told.get() + " times, not once");
			}
			if (grant.isValid()) {
				throw new AssertionError("the lost grant is still valid");
			}
		});
	}

	@Test
	void listenersAddedBeforeAndAfterTheLossAreEachToldOnce() {
		Lincheck.runConcurrentTestInternal$lincheck(100, SETTINGS, () -> {
			Grant grant = TestGrants.grant();
			AtomicInteger before = new AtomicInteger();
			AtomicInteger after = new AtomicInteger();
			grant.onLost((loss) -> before.incrementAndGet());
			Thread losing = new Thread(() -> grant.entryLost("gone", null));
			Thread adding = new Thread(() -> grant.onLost((loss) -> after.incrementAndGet()));
			losing.start();
			adding.start();
			Threads.join(adding, losing);
			grant.onLost((loss) -> after.incrementAndGet());
			if (before.get() != 1 || after.get() != 2) {
				throw new AssertionError("listeners told " + before.get() + " and " + after.get()
						+ " times, not once each");
			}
		});
	}

}

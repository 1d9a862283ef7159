/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} over dlock's
 * {@link dev.dlock.LockManager}.
 */
@NullMarked
package dev.dlock.shedlock;

import org.jspecify.annotations.NullMarked;

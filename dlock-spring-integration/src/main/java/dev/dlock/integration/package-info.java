/**
 * A Spring Integration {@link org.springframework.integration.support.locks.LockRegistry}
 * over dlock's {@link dev.dlock.LockManager}.
 */
@NullMarked
package dev.dlock.integration;

import org.jspecify.annotations.NullMarked;

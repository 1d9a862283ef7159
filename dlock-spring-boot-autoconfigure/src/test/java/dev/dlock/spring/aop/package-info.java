/**
 * Tests of the {@code @DistributedLock} interceptor on the in-memory backend.
 */
@NullMarked
package dev.dlock.spring.aop;

import org.jspecify.annotations.NullMarked;

/**
 * Spring Boot auto-configuration for dlock: properties, the choice of lock backend, the
 * lock manager and the {@link dev.dlock.annotation.DistributedLock @DistributedLock}
 * interceptor.
 */
@NullMarked
package dev.dlock.autoconfigure;

import org.jspecify.annotations.NullMarked;

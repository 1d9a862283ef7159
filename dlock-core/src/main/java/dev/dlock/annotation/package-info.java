/**
 * The {@code @DistributedLock} annotation, plain Java so domain code can carry it without
 * Spring.
 */
@NullMarked
package dev.dlock.annotation;

import org.jspecify.annotations.NullMarked;

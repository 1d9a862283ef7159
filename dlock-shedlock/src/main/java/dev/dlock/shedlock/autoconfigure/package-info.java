/**
 * Spring Boot auto-configuration of dlock's ShedLock provider.
 */
@NullMarked
package dev.dlock.shedlock.autoconfigure;

import org.jspecify.annotations.NullMarked;

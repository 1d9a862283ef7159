/**
 * Tests of the auto-configuration of the lock registry.
 */
@NullMarked
package dev.dlock.integration.autoconfigure;

import org.jspecify.annotations.NullMarked;

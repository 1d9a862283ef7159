/**
 * Tests of the dlock health auto-configuration.
 */
@NullMarked
package dev.dlock.autoconfigure.health;

import org.jspecify.annotations.NullMarked;

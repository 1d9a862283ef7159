/**
 * Auto-configuration of the dlock health indicator.
 */
@NullMarked
package dev.dlock.autoconfigure.health;

import org.jspecify.annotations.NullMarked;

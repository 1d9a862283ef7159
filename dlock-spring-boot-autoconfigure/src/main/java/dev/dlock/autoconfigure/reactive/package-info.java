/**
 * Auto-configuration of the reactive lock manager: wiring only.
 */
@NullMarked
package dev.dlock.autoconfigure.reactive;

import org.jspecify.annotations.NullMarked;

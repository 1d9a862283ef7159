/**
 * The dlock API: lock modes, the lock manager, lock handles and exceptions.
 */
@NullMarked
package dev.dlock;

import org.jspecify.annotations.NullMarked;

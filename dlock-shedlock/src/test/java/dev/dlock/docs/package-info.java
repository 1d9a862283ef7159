/**
 * Tests that keep the README's ShedLock example true.
 */
@NullMarked
package dev.dlock.docs;

import org.jspecify.annotations.NullMarked;

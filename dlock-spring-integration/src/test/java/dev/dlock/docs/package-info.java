/**
 * Tests that keep the README's Spring Integration example true.
 */
@NullMarked
package dev.dlock.docs;

import org.jspecify.annotations.NullMarked;

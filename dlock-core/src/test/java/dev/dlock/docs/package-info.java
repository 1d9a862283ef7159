/**
 * Tests that keep the README's examples true.
 */
@NullMarked
package dev.dlock.docs;

import org.jspecify.annotations.NullMarked;

/**
 * Helpers shared by tests of several packages.
 */
@NullMarked
package dev.dlock.testing;

import org.jspecify.annotations.NullMarked;

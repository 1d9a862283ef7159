/**
 * Tests of the live locks page and its auto-configuration.
 */
@NullMarked
package dev.dlock.autoconfigure.page;

import org.jspecify.annotations.NullMarked;

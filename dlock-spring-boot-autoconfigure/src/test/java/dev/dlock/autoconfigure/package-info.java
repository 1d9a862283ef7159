/**
 * Tests of the auto-configuration, its properties and conventions.
 */
@NullMarked
package dev.dlock.autoconfigure;

import org.jspecify.annotations.NullMarked;

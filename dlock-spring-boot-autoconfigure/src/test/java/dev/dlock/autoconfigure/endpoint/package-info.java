/**
 * Tests of the dlock endpoint auto-configuration.
 */
@NullMarked
package dev.dlock.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;

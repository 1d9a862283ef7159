/**
 * Tests of the backend SPI's own types.
 */
@NullMarked
package dev.dlock.spi;

import org.jspecify.annotations.NullMarked;

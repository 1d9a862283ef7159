/**
 * The backend SPI: the small atomic server operations a backend offers to the lock engine.
 */
@NullMarked
package dev.dlock.spi;

import org.jspecify.annotations.NullMarked;

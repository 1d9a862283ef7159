/**
 * Takes the lock manager into the application context's shutdown order.
 */
@NullMarked
package dev.dlock.spring.lifecycle;

import org.jspecify.annotations.NullMarked;

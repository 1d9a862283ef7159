/**
 * The Promela model of the grant protocol with lock conversion, checked by spin (see
 * {@code docs/model-checking.md}).
 */
@NullMarked
package dev.dlock.model;

import org.jspecify.annotations.NullMarked;

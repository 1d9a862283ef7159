/**
 * The reactive face of the lock manager, for Project Reactor; the only package of dlock-core
 * that needs reactor-core on the class path.
 */
@NullMarked
package dev.dlock.reactive;

import org.jspecify.annotations.NullMarked;

/**
 * Values cached in one process and kept coherent with every other process through a lock's
 * blocking notifications and value block (DESIGN.md §12), with no message bus.
 */
@NullMarked
package dev.dlock.coherence;

import org.jspecify.annotations.NullMarked;

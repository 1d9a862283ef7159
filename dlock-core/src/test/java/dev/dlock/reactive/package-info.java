/**
 * Tests of the reactive face: the hand-over of a grant, and what a failing release does.
 */
@NullMarked
package dev.dlock.reactive;

import org.jspecify.annotations.NullMarked;

/**
 * The README's "Write a backend" guide, followed to the letter: a toy backend built only
 * from what the guide says, and the conformance kit run against it.
 */
@NullMarked
package dev.dlock.guide;

import org.jspecify.annotations.NullMarked;

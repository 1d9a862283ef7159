/**
 * Tests that the README's Spring Boot configuration and examples work as shown.
 */
@NullMarked
package dev.dlock.docs;

import org.jspecify.annotations.NullMarked;

/**
 * The read-only dlock actuator endpoint: the locks this instance holds and waits for.
 */
@NullMarked
package dev.dlock.spring.endpoint;

import org.jspecify.annotations.NullMarked;

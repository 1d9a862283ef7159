/**
 * The dlock health indicator for Spring Boot's health endpoint.
 */
@NullMarked
package dev.dlock.spring.health;

import org.jspecify.annotations.NullMarked;

/**
 * Spring Boot auto-configuration of dlock's Spring Integration lock registry.
 */
@NullMarked
package dev.dlock.integration.autoconfigure;

import org.jspecify.annotations.NullMarked;

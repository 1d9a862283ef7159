/**
 * The {@link dev.dlock.annotation.DistributedLock @DistributedLock} interceptor: a Spring
 * AOP advisor that runs annotated bean methods under a lock. Works with or without Spring
 * Boot's auto-configuration.
 */
@NullMarked
package dev.dlock.spring.aop;

import org.jspecify.annotations.NullMarked;

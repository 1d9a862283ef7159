package org.springframework.violation;

/**
 * Stands in for a Spring type in the architecture tests of dlock-core, whose class path
 * has no Spring: only a class of this package name lets a test show that the rule
 * "core does not use Spring" reports a use. Not part of Spring.
 */
public final class SpringStandIn {

}

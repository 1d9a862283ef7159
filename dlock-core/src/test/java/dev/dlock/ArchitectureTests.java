package dev.dlock;

import java.util.List;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.backend.violation.cycle.ReachesBack;
import dev.dlock.engine.EngineClasses;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.engine.ViolationPublicEngineClass;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.reactive.ReactiveLockManager;
import dev.dlock.spi.LockBackend;
import dev.dlock.support.KeyCodec;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conventions of dlock-core, checked rather than left to review.
 * <p>
 * Every rule runs on core's production classes, where it must hold, and on those plus the
 * classes that break it on purpose ({@code dev.dlock.backend.violation} and the
 * {@code Violation*} classes of this package, in the test tree), where it must report the
 * break: a rule that cannot fail does not pass here.
 */
class ArchitectureTests {

	/** Core's production classes: the test tree (tests, violations) is left out. */
	private static final JavaClasses PRODUCTION = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.dlock");

	/** The production classes and the purposely violating classes of the test tree. */
	private static final JavaClasses WITH_VIOLATIONS = new ClassFileImporter()
		.withImportOption(ArchitectureTests::isProductionOrViolation)
		.importPackages("dev.dlock");

	/**
	 * What a backend may not use: the engine, and of the API everything but the vocabulary
	 * the SPI speaks ({@link LockMode}, an array of which a backend may keep to decode
	 * ordinals, {@link LockValue} and the exceptions).
	 */
	private static final DescribedPredicate<JavaClass> ENGINE = resideInAnyPackage("dev.dlock", "dev.dlock.engine")
		.and(not(belongToAnyOf(LockMode.class, LockMode[].class, LockValue.class)))
		.and(not(assignableTo(DistributedLockException.class)))
		.as("the engine or its API (dev.dlock.engine, and dev.dlock other than LockMode, LockValue and the exceptions)");

	static final ArchRule CORE_DOES_NOT_USE_SPRING = noClasses().should()
		.dependOnClassesThat()
		.resideInAPackage("org.springframework..");

	/**
	 * Reactor is an optional dependency of core: only the reactive face may use it, so that
	 * every other class loads without it.
	 */
	static final ArchRule ONLY_THE_REACTIVE_PACKAGE_USES_REACTOR = noClasses().that()
		.resideOutsideOfPackage("dev.dlock.reactive")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("reactor..", "org.reactivestreams..");

	static final ArchRule BACKENDS_DO_NOT_USE_THE_ENGINE = noClasses().that()
		.resideInAPackage("dev.dlock.backend..")
		.should()
		.dependOnClassesThat(ENGINE);

	static final ArchRule BACKENDS_DO_NOT_USE_EACH_OTHER = slices().matching("dev.dlock.backend.(*)..")
		.should()
		.notDependOnEachOther();

	static final ArchRule API_SPI_AND_SUPPORT_DO_NOT_USE_BACKENDS = noClasses().that()
		.resideInAnyPackage("dev.dlock.spi..", "dev.dlock.support..", "dev.dlock", "dev.dlock.engine")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.dlock.backend..");

	/**
	 * The manager is the top of the engine: it makes the requests, grants and sessions, and
	 * none of them calls back into it (as {@code Acquisition} did). Only the public builder
	 * makes one.
	 */
	static final ArchRule NOTHING_REACHES_UP_TO_THE_MANAGER = noClasses().that()
		.doNotBelongToAnyOf(EngineClasses.MANAGER, LockManagerBuilder.class)
		.should()
		.dependOnClassesThat()
		.belongToAnyOf(EngineClasses.MANAGER);

	/**
	 * No cycle between the classes of the API and of the engine (each top-level class with
	 * its nested classes).
	 */
	static final ArchRule API_AND_ENGINE_CLASSES_ARE_FREE_OF_CYCLES = slices()
		.assignedFrom(topLevelClassesOf("dev.dlock", "dev.dlock.engine"))
		.should()
		.beFreeOfCycles();

	/**
	 * No cycle between the packages of core, the root included: the API at the bottom, the
	 * SPI and support above it, the engine and the backends above those.
	 */
	static final ArchRule PACKAGES_ARE_FREE_OF_CYCLES = slices().assignedFrom(packagesOf("dev.dlock"))
		.should()
		.beFreeOfCycles();

	static final ArchRule BACKEND_IMPLEMENTATIONS_ARE_PACKAGE_PRIVATE = classes().that()
		.resideInAPackage("dev.dlock.backend..")
		.and()
		.haveSimpleNameNotEndingWith("LockBackend")
		.and()
		.haveSimpleNameNotEndingWith("Builder")
		.and()
		.areNotMemberClasses()
		.should()
		.notBePublic();

	static final ArchRule ENGINE_CLASSES_ARE_PACKAGE_PRIVATE = classes().that()
		.resideInAPackage("dev.dlock.engine")
		.and()
		.doNotHaveSimpleName("LockManagerBuilder")
		.should()
		.notBePublic();

	@Test
	void theProductionImportHasEveryPartOfCoreAndNoTestClass() {
		assertThat(PRODUCTION.contain(EngineClasses.MANAGER)).isTrue();
		assertThat(PRODUCTION.contain(LockManagerBuilder.class)).isTrue();
		assertThat(PRODUCTION.contain(LockBackend.class)).isTrue();
		assertThat(PRODUCTION.contain(KeyCodec.class)).isTrue();
		assertThat(PRODUCTION.contain(ReactiveLockManager.class)).isTrue();
		assertThat(List.of(InMemoryLockBackend.class, RedisLockBackend.class, EtcdLockBackend.class,
				NatsLockBackend.class))
			.allMatch(PRODUCTION::contain);
		assertThat(PRODUCTION.contain(ArchitectureTests.class)).isFalse();
		assertThat(PRODUCTION.contain(ViolationPublicEngineClass.class)).isFalse();
		assertThat(WITH_VIOLATIONS.contain(ReachesBack.class)).isTrue();
		assertThat(WITH_VIOLATIONS.contain(ArchitectureTests.class)).isFalse();
	}

	@Test
	void coreDoesNotDependOnSpring() {
		CORE_DOES_NOT_USE_SPRING.check(PRODUCTION);
		assertReports(CORE_DOES_NOT_USE_SPRING, "backend.violation.UsesSpring", "org.springframework.violation");
	}

	@Test
	void onlyTheReactivePackageDependsOnReactor() {
		ONLY_THE_REACTIVE_PACKAGE_USES_REACTOR.check(PRODUCTION);
		assertReports(ONLY_THE_REACTIVE_PACKAGE_USES_REACTOR, "backend.violation.UsesReactor",
				"reactor.core.publisher.Mono");
	}

	@Test
	void backendsDoNotDependOnTheEngine() {
		BACKENDS_DO_NOT_USE_THE_ENGINE.check(PRODUCTION);
		assertReports(BACKENDS_DO_NOT_USE_THE_ENGINE, "backend.violation.UsesTheEngine", "dev.dlock.engine.LockManagerBuilder");
	}

	@Test
	void backendsDoNotDependOnEachOther() {
		BACKENDS_DO_NOT_USE_EACH_OTHER.check(PRODUCTION);
		assertReports(BACKENDS_DO_NOT_USE_EACH_OTHER, "backend.violation.UsesAnotherBackend",
				"backend.memory.InMemoryLockBackend");
	}

	@Test
	void apiSpiAndSupportDoNotReachIntoBackends() {
		API_SPI_AND_SUPPORT_DO_NOT_USE_BACKENDS.check(PRODUCTION);
		assertReports(API_SPI_AND_SUPPORT_DO_NOT_USE_BACKENDS, "dev.dlock.engine.ViolationPublicEngineClass",
				"backend.memory.InMemoryLockBackend");
	}

	@Test
	void nothingInTheEngineReachesUpToTheManager() {
		NOTHING_REACHES_UP_TO_THE_MANAGER.check(PRODUCTION);
		assertReports(NOTHING_REACHES_UP_TO_THE_MANAGER, "dev.dlock.engine.ViolationReachingUpToTheManager",
				"dev.dlock.engine.DefaultLockManager");
	}

	@Test
	void classesOfTheApiAndTheEngineAreFreeOfCycles() {
		API_AND_ENGINE_CLASSES_ARE_FREE_OF_CYCLES.check(PRODUCTION);
		assertReports(API_AND_ENGINE_CLASSES_ARE_FREE_OF_CYCLES, "dev.dlock.engine.ViolationReachingUpToTheManager",
				"dev.dlock.engine.ViolationPublicEngineClass");
	}

	@Test
	void packagesAreFreeOfCycles() {
		PACKAGES_ARE_FREE_OF_CYCLES.check(PRODUCTION);
		assertReports(PACKAGES_ARE_FREE_OF_CYCLES, "backend.violation.PublicImplementation",
				"backend.violation.cycle.ReachesBack");
		assertReports(PACKAGES_ARE_FREE_OF_CYCLES, "dev.dlock.ViolationApiUsingTheEngine",
				"dev.dlock.engine.ViolationPublicEngineClass");
	}

	@Test
	void backendImplementationsArePackagePrivateExceptTheBackendAndItsBuilder() {
		BACKEND_IMPLEMENTATIONS_ARE_PACKAGE_PRIVATE.check(PRODUCTION);
		assertReports(BACKEND_IMPLEMENTATIONS_ARE_PACKAGE_PRIVATE, "backend.violation.PublicImplementation",
				"modifier PUBLIC");
	}

	@Test
	void engineClassesArePackagePrivate() {
		ENGINE_CLASSES_ARE_PACKAGE_PRIVATE.check(PRODUCTION);
		assertReports(ENGINE_CLASSES_ARE_PACKAGE_PRIVATE, "dev.dlock.engine.ViolationPublicEngineClass",
				"modifier PUBLIC");
	}

	/**
	 * Asserts that the rule, run with the violating classes, reports a violation that names
	 * both the violating class and what it must not use.
	 */
	private static void assertReports(ArchRule rule, String violator, String forbidden) {
		List<String> details = rule.evaluate(WITH_VIOLATIONS).getFailureReport().getDetails();
		assertThat(details).as("violations of '%s'", rule.getDescription())
			.anySatisfy((detail) -> assertThat(detail).contains(violator).contains(forbidden));
	}

	private static boolean isProductionOrViolation(Location location) {
		return ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location)
				|| location.contains("/dev/dlock/backend/violation/") || location.contains("/dev/dlock/Violation")
				|| location.contains("/dev/dlock/engine/Violation");
	}

	/**
	 * Each top-level class of the given packages is a slice, with its nested classes; other
	 * packages are not sliced.
	 */
	private static SliceAssignment topLevelClassesOf(String... packageNames) {
		List<String> packages = List.of(packageNames);
		return new SliceAssignment() {

			@Override
			public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
				if (!packages.contains(javaClass.getPackageName())) {
					return SliceIdentifier.ignore();
				}
				JavaClass topLevel = javaClass;
				while (topLevel.getEnclosingClass().isPresent()) {
					topLevel = topLevel.getEnclosingClass().get();
				}
				return SliceIdentifier.of(topLevel.getName());
			}

			@Override
			public String getDescription() {
				return "the top-level classes of " + packages;
			}

		};
	}

	/** Each package at or below the root is a slice, the root included. */
	private static SliceAssignment packagesOf(String root) {
		return new SliceAssignment() {

			@Override
			public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
				String name = javaClass.getPackageName();
				return (name.equals(root) || name.startsWith(root + ".")) ? SliceIdentifier.of(name)
						: SliceIdentifier.ignore();
			}

			@Override
			public String getDescription() {
				return "the packages of " + root;
			}

		};
	}

}

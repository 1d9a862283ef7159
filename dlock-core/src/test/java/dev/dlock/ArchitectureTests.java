package dev.dlock;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The conventions of dlock-core, checked rather than left to review.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.dlock");

	@Test
	void coreDoesNotDependOnSpring() {
		noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..").check(this.classes);
	}

	@Test
	void backendsDoNotDependOnEachOtherOrOnTheEngine() {
		slices().matching("dev.dlock.backend.(*)..").should().notDependOnEachOther().check(this.classes);
		noClasses().that()
			.resideInAPackage("dev.dlock.backend..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.dlock.tck..")
			.check(this.classes);
	}

	@Test
	void spiAndSupportDoNotReachIntoBackends() {
		noClasses().that()
			.resideInAnyPackage("dev.dlock.spi..", "dev.dlock.support..", "dev.dlock")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.dlock.backend..")
			.check(this.classes);
	}

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("dev.dlock.(**)").should().beFreeOfCycles().check(this.classes);
	}

	@Test
	void backendImplementationsArePackagePrivateExceptTheBackendAndItsBuilder() {
		classes().that()
			.resideInAPackage("dev.dlock.backend..")
			.and()
			.haveSimpleNameNotEndingWith("LockBackend")
			.and()
			.haveSimpleNameNotEndingWith("Builder")
			.and()
			.areNotMemberClasses()
			.should()
			.notBePublic()
			.check(this.classes);
	}

	@Test
	void engineClassesArePackagePrivate() {
		classes().that()
			.resideInAPackage("dev.dlock")
			.and()
			.haveSimpleNameNotEndingWith("Exception")
			.and()
			.areNotInterfaces()
			.and()
			.areNotEnums()
			.and()
			.areNotRecords()
			.and()
			.doNotHaveSimpleName("LockManagerBuilder")
			.should()
			.notBePublic()
			.check(this.classes);
	}

}

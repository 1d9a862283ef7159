package dev.dlock.autoconfigure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.Configuration;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The conventions of the auto-configuration module, checked rather than left to review
 * (the rules of Spring Boot's own {@code ArchitectureRules}).
 */
class ArchitectureTests {

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
		.importPackages("dev.dlock.autoconfigure", "dev.dlock.spring");

	@Test
	void autoConfigurationsArePublicFinalWithoutPublicMembers() {
		classes().that()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.bePublic()
			.andShould()
			.haveModifier(JavaModifier.FINAL)
			.check(classes);
		members().that()
			.areDeclaredInClassesThat()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.notBePublic()
			.check(classes);
	}

	@Test
	void backendConfigurationsArePackagePrivate() {
		classes().that()
			.areAnnotatedWith(Configuration.class)
			.and()
			.areNotAnnotatedWith(AutoConfiguration.class)
			.should()
			.notBePublic()
			.check(classes);
	}

	@Test
	void beanMethodsHaveNoClassConditions() {
		methods().that()
			.areAnnotatedWith(Bean.class)
			.should()
			.notBeAnnotatedWith(ConditionalOnClass.class)
			.check(classes);
	}

	@Test
	void conditionsAreNotPublic() {
		classes().that().implement(Condition.class).should().notBePublic().check(classes);
	}

	@Test
	void onlyTheAutoConfigurationReferencesBackends() {
		noClasses().that()
			.resideOutsideOfPackage("dev.dlock.autoconfigure..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.dlock.backend..")
			.check(classes);
	}

	@Test
	void interceptorWorksWithoutTheAutoConfiguration() {
		noClasses().that()
			.resideInAPackage("dev.dlock.spring..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.dlock.autoconfigure..")
			.check(classes);
	}

	@Test
	void reactorIsUsedOnlyByTheReactiveDelegate() {
		noClasses().that()
			.doNotHaveFullyQualifiedName("dev.dlock.spring.aop.DistributedLockInterceptor$ReactiveDelegate")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("reactor..", "org.reactivestreams..")
			.check(classes);
	}

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching("dev.dlock.(**)").should().beFreeOfCycles().check(classes);
	}

}

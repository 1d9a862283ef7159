package dev.dlock.spring.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import dev.dlock.annotation.DistributedLock;
import dev.dlock.annotation.DistributedLock.OnBusy;
import dev.dlock.spring.aop.LockSpec.Result;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodClassKey;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.Expression;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@code @DistributedLock} of a method (on the method, or on its class for
 * public methods) and parses it into a {@link LockSpec}, once per method and target
 * class.
 * <p>
 * {@link #hasLocks(Class)} parses every annotated method of a class when the class is
 * first seen, which happens when its bean is created, so a bad key, duration or return
 * type fails the application's start-up instead of the first call.
 */
final class LockSpecSource {

	private static final Object NO_LOCK = new Object();

	private static final boolean reactorPresent = ClassUtils.isPresent("reactor.core.publisher.Flux",
			LockSpecSource.class.getClassLoader());

	private final Map<MethodClassKey, Object> specs = new ConcurrentHashMap<>(256);

	private final Map<Class<?>, Boolean> classes = new ConcurrentHashMap<>(256);

	private final LockKeyExpressionEvaluator keys;

	private final UnaryOperator<String> placeholders;

	/**
	 * Creates a source.
	 * @param keys parses key templates
	 * @param placeholders resolves {@code ${...}} placeholders, failing on unknown ones
	 */
	LockSpecSource(LockKeyExpressionEvaluator keys, UnaryOperator<String> placeholders) {
		this.keys = keys;
		this.placeholders = placeholders;
	}

	/**
	 * Whether any method of a class runs under a lock; parses them all the first time.
	 * @param targetClass the class of a bean
	 * @return {@code true} if the class has a guarded method
	 * @throws IllegalStateException if an annotation is invalid
	 */
	boolean hasLocks(Class<?> targetClass) {
		Class<?> userClass = ClassUtils.getUserClass(targetClass);
		return this.classes.computeIfAbsent(userClass, this::scan);
	}

	private boolean scan(Class<?> targetClass) {
		if (!AnnotationUtils.isCandidateClass(targetClass, DistributedLock.class)) {
			return false;
		}
		boolean found = false;
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(targetClass,
				ReflectionUtils.USER_DECLARED_METHODS)) {
			found |= find(method, targetClass) != null;
		}
		return found;
	}

	/**
	 * The lock of a method, if it has one.
	 * @param method the method called (possibly an interface method)
	 * @param targetClass the class of the target object
	 * @return the spec, or {@code null} if the method runs without a lock
	 * @throws IllegalStateException if the annotation is invalid
	 */
	@Nullable LockSpec find(Method method, @Nullable Class<?> targetClass) {
		Class<?> target = (targetClass != null) ? ClassUtils.getUserClass(targetClass) : method.getDeclaringClass();
		Object spec = this.specs.computeIfAbsent(new MethodClassKey(method, target), (key) -> {
			LockSpec parsed = compute(method, target);
			return (parsed != null) ? parsed : NO_LOCK;
		});
		return (spec != NO_LOCK) ? (LockSpec) spec : null;
	}

	private @Nullable LockSpec compute(Method method, Class<?> targetClass) {
		Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
		DistributedLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, DistributedLock.class);
		boolean onMethod = annotation != null;
		if (annotation == null) {
			if (!Modifier.isPublic(specific.getModifiers()) || Modifier.isStatic(specific.getModifiers())
					|| specific.getDeclaringClass() == Object.class) {
				return null;
			}
			annotation = AnnotatedElementUtils.findMergedAnnotation(targetClass, DistributedLock.class);
			if (annotation == null) {
				return null;
			}
		}
		String description = ClassUtils.getQualifiedMethodName(specific, targetClass);
		try {
			checkInterceptable(specific, onMethod);
			return parse(annotation, specific, description);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid @DistributedLock on " + description + ": " + ex.getMessage(), ex);
		}
	}

	private static void checkInterceptable(Method method, boolean onMethod) {
		int modifiers = method.getModifiers();
		String where = onMethod ? "the method" : "the method (its class is annotated)";
		if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers) || Modifier.isFinal(modifiers)) {
			throw new IllegalArgumentException(where + " is private, static or final, so a Spring AOP proxy "
					+ "cannot intercept it and it would run without the lock");
		}
	}

	private LockSpec parse(DistributedLock annotation, Method method, String description) {
		String template = this.placeholders.apply(annotation.key());
		if (template.isBlank()) {
			throw new IllegalArgumentException("'key' must not be blank");
		}
		Expression key = this.keys.parse(template, method);
		Duration waitTime = duration(annotation.waitTime(), "waitTime", true);
		Duration leaseTime = duration(annotation.leaseTime(), "leaseTime", false);
		Duration minHoldTime = duration(annotation.minHoldTime(), "minHoldTime", true);
		Class<?> returnType = method.getReturnType();
		ReactiveAdapter adapter = reactorPresent ? ReactiveAdapterRegistry.getSharedInstance().getAdapter(returnType)
				: null;
		Result result = result(returnType, adapter, annotation.onBusy());
		return new LockSpec(description, key, annotation.mode(), waitTime, leaseTime,
				(minHoldTime != null) ? minHoldTime : Duration.ZERO, annotation.onBusy(), annotation.onLost(), result,
				(result == Result.REACTIVE) ? adapter : null);
	}

	private static Result result(Class<?> returnType, @Nullable ReactiveAdapter adapter, OnBusy onBusy) {
		if (CompletionStage.class.isAssignableFrom(returnType)) {
			if (!returnType.isAssignableFrom(CompletableFuture.class)) {
				throw new IllegalArgumentException("the method returns " + returnType.getName()
						+ ", a CompletionStage that the interceptor cannot create; declare CompletionStage "
						+ "or CompletableFuture");
			}
			return Result.COMPLETION_STAGE;
		}
		if (adapter != null) {
			return Result.REACTIVE;
		}
		if (returnType == Optional.class) {
			return Result.OPTIONAL;
		}
		if (onBusy == OnBusy.SKIP && returnType.isPrimitive() && returnType != void.class) {
			throw new IllegalArgumentException("onBusy = SKIP needs a result that can be empty, but the method "
					+ "returns " + returnType.getName() + "; return a wrapper type or an Optional");
		}
		return Result.VALUE;
	}

	private @Nullable Duration duration(String value, String attribute, boolean zeroAllowed) {
		if (value.isEmpty()) {
			return null;
		}
		String resolved = this.placeholders.apply(value).trim();
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(resolved);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("'" + attribute + "' value '" + resolved
					+ "' is not a duration (use \"500ms\", \"5s\", \"1m\" or ISO-8601 \"PT5S\")", ex);
		}
		if (duration.isNegative() || (!zeroAllowed && duration.isZero())) {
			throw new IllegalArgumentException("'" + attribute + "' must be " + (zeroAllowed ? "zero or " : "")
					+ "positive, but is " + resolved);
		}
		return duration;
	}

}

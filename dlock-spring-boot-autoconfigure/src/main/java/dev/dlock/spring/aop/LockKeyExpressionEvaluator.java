package dev.dlock.spring.aop;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.common.CompositeStringExpression;
import org.springframework.expression.common.LiteralExpression;
import org.springframework.expression.common.TemplateParserContext;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * Parses lock key templates ({@code "order:#{#order.id}"}) once per method and evaluates
 * them over the arguments of each call.
 * <p>
 * The {@code #{...}} parts are SpEL over the method: its parameters by name
 * ({@code #order}, which needs {@code -parameters}, as Spring Boot's build sets), or by
 * position ({@code #a0}, {@code #p0}), and the root object with {@code method},
 * {@code args} and {@code target}. A variable that is none of these is rejected when the
 * template is parsed, so a misspelt name fails at start-up rather than at the first call.
 */
final class LockKeyExpressionEvaluator {

	private static final TemplateParserContext TEMPLATE = new TemplateParserContext("#{", "}");

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	/**
	 * Parses and checks a key template.
	 * @param template the key with optional {@code #{...}} parts
	 * @param method the annotated method
	 * @return the parsed key
	 * @throws IllegalArgumentException if the template does not parse or names an
	 * unknown variable
	 */
	Expression parse(String template, Method method) {
		Expression expression;
		try {
			expression = this.parser.parseExpression(template, TEMPLATE);
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException("key '" + template + "' is not a valid template: " + ex.getMessage(),
					ex);
		}
		Set<String> known = knownVariables(method);
		for (String variable : variables(expression)) {
			if (!known.contains(variable)) {
				throw new IllegalArgumentException("key '" + template + "' refers to #" + variable
						+ ", which is not a parameter of the method; known variables: " + known
						+ " (parameter names need the -parameters compiler flag)");
			}
		}
		return expression;
	}

	/**
	 * Evaluates a parsed key for one call.
	 * @param key the parsed key
	 * @param method the method called
	 * @param args its arguments
	 * @param target the object it was called on
	 * @param beanFactory resolves {@code @beanName} references, if any
	 * @return the key
	 */
	String evaluate(Expression key, Method method, @Nullable Object[] args, @Nullable Object target,
			@Nullable BeanFactory beanFactory) {
		if (key instanceof LiteralExpression) {
			return key.getExpressionString();
		}
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(new KeyRoot(method, args, target),
				method, args, this.parameterNames);
		if (beanFactory != null) {
			context.setBeanResolver(new BeanFactoryResolver(beanFactory));
		}
		return String.valueOf(key.getValue(context, String.class));
	}

	private Set<String> knownVariables(Method method) {
		Set<String> known = new LinkedHashSet<>();
		String[] names = this.parameterNames.getParameterNames(method);
		if (names != null) {
			known.addAll(Arrays.asList(names));
		}
		for (int i = 0; i < method.getParameterCount(); i++) {
			known.add("a" + i);
			known.add("p" + i);
		}
		known.add("root");
		known.add("this");
		return known;
	}

	private static List<String> variables(Expression expression) {
		List<String> variables = new ArrayList<>();
		if (expression instanceof CompositeStringExpression composite) {
			for (Expression part : composite.getExpressions()) {
				variables.addAll(variables(part));
			}
		}
		else if (expression instanceof SpelExpression spel) {
			collect(spel.getAST(), variables);
		}
		return variables;
	}

	private static void collect(SpelNode node, List<String> variables) {
		if (node instanceof VariableReference) {
			variables.add(node.toStringAST().substring(1));
		}
		for (int i = 0; i < node.getChildCount(); i++) {
			collect(node.getChild(i), variables);
		}
	}

	/**
	 * The root object of key expressions: {@code #root.method}, {@code #root.args} and
	 * {@code #root.target}.
	 */
	static final class KeyRoot {

		private final Method method;

		private final @Nullable Object[] args;

		private final @Nullable Object target;

		KeyRoot(Method method, @Nullable Object[] args, @Nullable Object target) {
			this.method = method;
			this.args = args;
			this.target = target;
		}

		public Method getMethod() {
			return this.method;
		}

		public @Nullable Object[] getArgs() {
			return this.args;
		}

		public @Nullable Object getTarget() {
			return this.target;
		}

	}

}

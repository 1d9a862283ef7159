package dev.dlock.backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Dynamic proxies that stand in for a client library's interfaces in backend tests: they
 * pass every call on to the real object, except the ones a test holds back or records.
 */
public final class Delegation {

	private Delegation() {
	}

	/**
	 * Calls a method on the real object, throwing what it throws.
	 * @param method the method
	 * @param target the real object
	 * @param args the arguments
	 * @return what it returned
	 * @throws Throwable what it threw
	 */
	public static Object call(Method method, Object target, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/**
	 * A proxy of an interface.
	 * @param <T> the interface
	 * @param type the interface
	 * @param handler what handles its calls
	 * @return the proxy
	 */
	public static <T> T proxy(Class<T> type, InvocationHandler handler) {
		return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler));
	}

}

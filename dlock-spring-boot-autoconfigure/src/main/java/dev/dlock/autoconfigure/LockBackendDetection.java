package dev.dlock.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What tells that a lock backend's connection is configured, so that the backend is used
 * when {@code dlock.backend} is not set. One of the columns of the backend table,
 * {@link DlockProperties.Backend}; read by {@link LockBackendCondition}.
 *
 * @param clientBean the type of a client bean that the backend uses, if any; named, not
 * referenced, since its class may be absent
 * @param clientBeanRequired whether the backend cannot work without that bean, even when
 * named
 * @param connectionDetailsBean the type of a bean that tells the backend where to connect,
 * if any; named, as the client bean is
 * @param properties properties that configure a connection
 * @param notDetected why the backend is never detected, for a backend that is used only
 * when named
 */
record LockBackendDetection(@Nullable String clientBean, boolean clientBeanRequired,
		@Nullable String connectionDetailsBean, List<String> properties, @Nullable String notDetected) {

	/**
	 * A backend that cannot work without a client bean, and is detected from that bean.
	 * @param clientBean the type of the bean
	 * @return the detection
	 */
	static LockBackendDetection requiredBean(String clientBean) {
		return new LockBackendDetection(clientBean, true, null, List.of(), null);
	}

	/**
	 * A backend that is detected from a client bean, a connection details bean or any of
	 * its connection properties, and whose client is auto-configured otherwise.
	 * @param clientBean the type of the client bean
	 * @param connectionDetailsBean the type of the connection details bean
	 * @param properties the connection properties
	 * @return the detection
	 */
	static LockBackendDetection beanOrProperties(String clientBean, String connectionDetailsBean,
			String... properties) {
		return new LockBackendDetection(clientBean, false, connectionDetailsBean, List.of(properties), null);
	}

	/**
	 * A backend that is never detected, only used when named.
	 * @param reason why, as the failure analysis reports it
	 * @return the detection
	 */
	static LockBackendDetection onlyWhenNamed(String reason) {
		return new LockBackendDetection(null, false, null, List.of(), reason);
	}

}

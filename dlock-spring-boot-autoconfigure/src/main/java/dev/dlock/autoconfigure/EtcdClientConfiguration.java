package dev.dlock.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import dev.dlock.LockBackendException;
import dev.dlock.autoconfigure.DlockProperties.Etcd;
import dev.dlock.spi.LockBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/**
 * The jetcd {@link Client} of the etcd backend, built from {@link EtcdConnectionDetails}
 * (by default {@code dlock.etcd.*}) unless the application defines its own client; the
 * context closes it after the backend. Imported by {@link EtcdLockBackendConfiguration};
 * nothing is built when the application defines its own {@link LockBackend}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(LockBackend.class)
class EtcdClientConfiguration {

	@Bean
	@ConditionalOnMissingBean(EtcdConnectionDetails.class)
	PropertiesEtcdConnectionDetails etcdConnectionDetails(DlockProperties properties,
			ObjectProvider<SslBundles> sslBundles) {
		return new PropertiesEtcdConnectionDetails(properties.getEtcd(), sslBundles);
	}

	@Bean
	@ConditionalOnMissingBean
	Client etcdClient(EtcdConnectionDetails connectionDetails, DlockProperties properties) {
		Etcd etcd = properties.getEtcd();
		ClientBuilder builder = Client.builder()
			.endpoints(connectionDetails.getEndpoints().toArray(String[]::new))
			.connectTimeout(etcd.getRequestTimeout());
		String user = connectionDetails.getUser();
		String password = connectionDetails.getPassword();
		if ((user == null) != (password == null)) {
			throw new IllegalStateException("Set both the etcd user and password, or neither");
		}
		if (user != null && password != null) {
			builder.user(bytes(user)).password(bytes(password));
		}
		PropertyMapper.get().from(etcd.getAuthority()).to(builder::authority);
		SslBundle sslBundle = connectionDetails.getSslBundle();
		if (sslBundle != null) {
			builder.sslContext(sslContext(sslBundle));
		}
		checkReachable(builder, connectionDetails.getEndpoints(), etcd.getRequestTimeout());
		return builder.build();
	}

	/**
	 * Fails the start-up, naming the endpoints, when etcd does not answer, as the Redis and
	 * NATS backends do when they connect. jetcd connects lazily and its calls wait until
	 * the server is ready, so without this check the first lock request would fail, after
	 * the request timeout, with no address. The check asks for the member list on a
	 * throw-away client that does not wait for readiness: a refused connection fails it
	 * at once.
	 */
	private static void checkReachable(ClientBuilder builder, List<String> endpoints, Duration timeout) {
		try (Client probe = builder.copy().waitForReady(false).retryMaxAttempts(0).build()) {
			probe.getClusterClient().listMember().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LockBackendException("Interrupted while connecting to etcd at " + endpoints, ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			// gRPC says "io exception"; what the network said is at the end of the chain
			Throwable mostSpecific = NestedExceptionUtils.getMostSpecificCause(cause);
			String reason = (ex instanceof TimeoutException) ? "no answer within " + timeout
					: Objects.requireNonNullElse(mostSpecific.getMessage(), mostSpecific.toString());
			throw new LockBackendException("Cannot reach etcd at " + endpoints + ": " + reason, cause);
		}
	}

	private static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	private static SslContext sslContext(SslBundle bundle) {
		try {
			return GrpcSslContexts.forClient()
				.keyManager(bundle.getManagers().getKeyManagerFactory())
				.trustManager(bundle.getManagers().getTrustManagerFactory())
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Cannot set up TLS for etcd: " + ex.getMessage(), ex);
		}
	}

}

package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.autoconfigure.DlockProperties.Etcd;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;

/**
 * {@link EtcdConnectionDetails} from {@code dlock.etcd.*}.
 */
final class PropertiesEtcdConnectionDetails extends PropertiesServerConnectionDetails
		implements EtcdConnectionDetails {

	private static final String DEFAULT_ENDPOINT = "http://127.0.0.1:2379";

	private final List<String> endpoints;

	PropertiesEtcdConnectionDetails(Etcd properties, ObjectProvider<SslBundles> sslBundles) {
		super(properties, sslBundles);
		this.endpoints = properties.getEndpoints().isEmpty() ? List.of(DEFAULT_ENDPOINT)
				: List.copyOf(properties.getEndpoints());
	}

	@Override
	public List<String> getEndpoints() {
		return this.endpoints;
	}

}

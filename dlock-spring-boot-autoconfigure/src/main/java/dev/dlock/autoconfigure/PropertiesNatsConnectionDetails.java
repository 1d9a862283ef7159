package dev.dlock.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.dlock.autoconfigure.DlockProperties.Nats;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;

/**
 * {@link NatsConnectionDetails} from {@code dlock.nats.*}.
 */
final class PropertiesNatsConnectionDetails extends PropertiesServerConnectionDetails
		implements NatsConnectionDetails {

	private static final String DEFAULT_URL = "nats://localhost:4222";

	private final Nats properties;

	PropertiesNatsConnectionDetails(Nats properties, ObjectProvider<SslBundles> sslBundles) {
		super(properties, sslBundles);
		this.properties = properties;
	}

	@Override
	public List<String> getServers() {
		List<String> servers = new ArrayList<>();
		if (this.properties.getUrl() != null) {
			servers.add(this.properties.getUrl());
		}
		servers.addAll(this.properties.getServers());
		return servers.isEmpty() ? List.of(DEFAULT_URL) : List.copyOf(servers);
	}

	@Override
	public @Nullable String getToken() {
		return this.properties.getToken();
	}

	@Override
	public @Nullable String getCredentials() {
		return this.properties.getCredentials();
	}

}

package dev.dlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority, a server certificate for {@code 127.0.0.1} and
 * {@code localhost} and a client certificate, made with the {@code openssl} command in a
 * temporary folder, for servers started with TLS (and, for mutual TLS, clients).
 *
 * @since 0.1.0
 */
public final class TestCertificates {

	private final Path directory;

	private TestCertificates(Path directory) {
		this.directory = directory;
	}

	/**
	 * Makes a new authority, server certificate and client certificate, valid for two days.
	 * @return the files
	 * @throws IllegalStateException if {@code openssl} is missing or fails
	 */
	public static TestCertificates create() {
		Path directory = TestServer.newDirectory("tls");
		try {
			Files.writeString(directory.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
			openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
					"-days", "2", "-subj", "/CN=dlock test CA");
			openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
					"-subj", "/CN=localhost");
			openssl(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
					"-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
			Files.writeString(directory.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
			openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
					"-subj", "/CN=dlock test client");
			openssl(directory, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
					"-CAcreateserial", "-out", "client.crt", "-days", "2", "-extfile", "client.ext");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not write the certificates to " + directory, ex);
		}
		return new TestCertificates(directory);
	}

	/**
	 * The authority's certificate (PEM), for clients to trust.
	 * @return the file
	 */
	public Path caFile() {
		return this.directory.resolve("ca.crt");
	}

	/**
	 * The server's certificate (PEM), signed by the authority.
	 * @return the file
	 */
	public Path serverCertificate() {
		return this.directory.resolve("server.crt");
	}

	/**
	 * The server's private key (PEM, unencrypted).
	 * @return the file
	 */
	public Path serverKey() {
		return this.directory.resolve("server.key");
	}

	/**
	 * The client's certificate (PEM), signed by the authority, for client authentication.
	 * @return the file
	 */
	public Path clientCertificate() {
		return this.directory.resolve("client.crt");
	}

	/**
	 * The client's private key (PEM, PKCS#8, unencrypted).
	 * @return the file
	 */
	public Path clientKey() {
		return this.directory.resolve("client.key");
	}

	/**
	 * A client TLS context that trusts only the authority and presents no certificate.
	 * @return the context
	 */
	public SSLContext clientContext() {
		return context(false);
	}

	/**
	 * A client TLS context that trusts only the authority and presents the client
	 * certificate (mutual TLS).
	 * @return the context
	 */
	public SSLContext mutualClientContext() {
		return context(true);
	}

	private SSLContext context(boolean withClientCertificate) {
		try {
			KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
			trusted.load(null, null);
			trusted.setCertificateEntry("dlock-test-ca", certificate(caFile()));
			TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			trust.init(trusted);
			KeyManager[] keys = null;
			if (withClientCertificate) {
				KeyStore own = KeyStore.getInstance(KeyStore.getDefaultType());
				own.load(null, null);
				own.setKeyEntry("dlock-test-client", privateKey(clientKey()), new char[0],
						new Certificate[] { certificate(clientCertificate()) });
				KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
				factory.init(own, new char[0]);
				keys = factory.getKeyManagers();
			}
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(keys, trust.getTrustManagers(), null);
			return context;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException("Could not make a TLS context from " + this.directory, ex);
		}
	}

	private static Certificate certificate(Path file) throws IOException, GeneralSecurityException {
		try (InputStream in = Files.newInputStream(file)) {
			return CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

	private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
		String pem = Files.readString(file);
		String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
		return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
	}

	private static void openssl(Path directory, String... arguments) throws IOException {
		List<String> command = new java.util.ArrayList<>(List.of("openssl"));
		command.addAll(List.of(arguments));
		Process process;
		try {
			process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("TLS tests need the openssl command (on Debian: apt-get install -y openssl)",
					ex);
		}
		try {
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("openssl " + String.join(" ", arguments) + " failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running openssl", ex);
		}
	}

}

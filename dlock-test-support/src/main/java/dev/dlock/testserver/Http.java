package dev.dlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** Minimal blocking HTTP for health and status calls; no client library needed. */
final class Http {

	private Http() {
	}

	/** GETs {@code url} and returns the body; throws {@link IOException} on a status other than 2xx. */
	static String get(String url, Duration timeout) throws IOException {
		return exchange(url, null, timeout);
	}

	/** POSTs a JSON {@code body} to {@code url} and returns the body; throws on a status other than 2xx. */
	static String post(String url, String body, Duration timeout) throws IOException {
		return exchange(url, body, timeout);
	}

	private static String exchange(String url, @Nullable String body, Duration timeout) throws IOException {
		HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
		try {
			connection.setConnectTimeout((int) timeout.toMillis());
			connection.setReadTimeout((int) timeout.toMillis());
			if (body != null) {
				connection.setRequestMethod("POST");
				connection.setDoOutput(true);
				connection.setRequestProperty("Content-Type", "application/json");
				try (OutputStream out = connection.getOutputStream()) {
					out.write(body.getBytes(StandardCharsets.UTF_8));
				}
			}
			int status = connection.getResponseCode();
			InputStream stream = (status / 100 == 2) ? connection.getInputStream() : connection.getErrorStream();
			String text = (stream != null) ? new String(stream.readAllBytes(), StandardCharsets.UTF_8) : "";
			if (status / 100 != 2) {
				throw new IOException("HTTP " + status + " from " + url + ": " + text);
			}
			return text;
		}
		finally {
			connection.disconnect();
		}
	}

}

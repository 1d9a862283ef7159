package dev.dlock.testserver;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A tiny blocking RESP2 client: enough to ping a Redis server and to form a cluster, without a client library.
 * Replies map to {@link String} (simple and bulk strings), {@link Long}, {@link List} or {@code null}; an error
 * reply throws {@link IOException}.
 */
final class Resp implements Closeable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	Resp(String host, int port, Duration timeout) throws IOException {
		this.socket = new Socket();
		try {
			this.socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
			this.socket.setSoTimeout((int) timeout.toMillis());
			this.in = new BufferedInputStream(this.socket.getInputStream());
			this.out = this.socket.getOutputStream();
		}
		catch (IOException ex) {
			this.socket.close();
			throw ex;
		}
	}

	/** Opens a connection, sends one command and returns its reply. */
	static @Nullable Object call(String host, int port, Duration timeout, String... command) throws IOException {
		try (Resp resp = new Resp(host, port, timeout)) {
			return resp.call(command);
		}
	}

	@Nullable Object call(String... command) throws IOException {
		ByteArrayOutputStream request = new ByteArrayOutputStream();
		request.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.UTF_8));
		for (String argument : command) {
			byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
			request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
			request.writeBytes(bytes);
			request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
		}
		this.out.write(request.toByteArray());
		this.out.flush();
		return read();
	}

	private @Nullable Object read() throws IOException {
		int type = this.in.read();
		String line = readLine();
		switch (type) {
			case '+':
				return line;
			case '-':
				throw new IOException("Redis error: " + line);
			case ':':
				return Long.parseLong(line);
			case '$': {
				int length = Integer.parseInt(line);
				if (length < 0) {
					return null;
				}
				byte[] bytes = this.in.readNBytes(length + 2);
				if (bytes.length < length + 2) {
					throw new EOFException("Connection closed in a bulk reply");
				}
				return new String(bytes, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(line);
				if (count < 0) {
					return null;
				}
				List<@Nullable Object> items = new ArrayList<>(count);
				for (int i = 0; i < count; i++) {
					items.add(read());
				}
				return items;
			}
			case -1:
				throw new EOFException("Connection closed");
			default:
				throw new IOException("Unexpected RESP type '" + (char) type + "'");
		}
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = this.in.read()) != '\r') {
			if (b == -1) {
				throw new EOFException("Connection closed");
			}
			line.write(b);
		}
		this.in.read();
		return line.toString(StandardCharsets.UTF_8);
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}

package dev.dlock.testserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A server run in a Docker container through Testcontainers, the fallback where the binary is missing. Host ports
 * are bound explicitly, so a restart (a {@code docker start} of the same killed container, which keeps its file
 * system) comes back on the same ports with the same data.
 */
final class DockerContainer implements ServerRuntime {

	private final GenericContainer<?> container;

	private @Nullable String containerId;

	/**
	 * @param image the image, for example {@code redis:7.0}
	 * @param command the container's command
	 * @param ports container port to host port
	 */
	@SuppressWarnings("resource")
	DockerContainer(String image, List<String> command, Map<Integer, Integer> ports) {
		List<PortBinding> bindings = new ArrayList<>();
		ports.forEach((containerPort, hostPort) -> bindings
			.add(new PortBinding(Ports.Binding.bindPort(hostPort), ExposedPort.tcp(containerPort))));
		this.container = new GenericContainer<>(DockerImageName.parse(image))
			.withExposedPorts(ports.keySet().toArray(Integer[]::new))
			.withCommand(command.toArray(String[]::new))
			.withCreateContainerCmdModifier((create) -> create.getHostConfig().withPortBindings(bindings));
	}

	/** The address where the containers' bound ports are reachable. */
	static String dockerHost() {
		return DockerClientFactory.instance().dockerHostIpAddress();
	}

	private static DockerClient client() {
		return DockerClientFactory.instance().client();
	}

	@Override
	public void start() {
		if (this.containerId == null) {
			this.container.start();
			this.containerId = this.container.getContainerId();
		}
		else {
			client().startContainerCmd(this.containerId).exec();
		}
	}

	@Override
	public void kill() {
		if (isAlive()) {
			// docker refuses to kill a paused container
			if (Boolean.TRUE.equals(client().inspectContainerCmd(id()).exec().getState().getPaused())) {
				resume();
			}
			client().killContainerCmd(id()).exec();
		}
	}

	@Override
	public void pause() {
		client().pauseContainerCmd(id()).exec();
	}

	@Override
	public void resume() {
		client().unpauseContainerCmd(id()).exec();
	}

	@Override
	public boolean isAlive() {
		if (this.containerId == null) {
			return false;
		}
		Boolean running = client().inspectContainerCmd(this.containerId).exec().getState().getRunning();
		return Boolean.TRUE.equals(running);
	}

	private String id() {
		String id = this.containerId;
		if (id == null) {
			throw new IllegalStateException("Container not started");
		}
		return id;
	}

	@Override
	public String describe() {
		return "container " + this.container.getDockerImageName() + " "
				+ ((this.containerId != null) ? this.containerId : "(not started)");
	}

	@Override
	public String logTail(int lines) {
		try {
			return TestServer.lastLines(this.container.getLogs(), lines);
		}
		catch (RuntimeException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	@Override
	public void destroy() {
		this.container.stop();
	}

}

package io.kaminari.tools.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one), running in this JVM on 127.0.0.1.
 *
 * <p>Used by {@code kaminari demo} and the integration tests: it is the same broker code as a production cluster, only
 * with one node. Retention is unlimited because Kaminari's sample traffic carries historical record timestamps, which a
 * time-based retention would delete at once. {@link #close()} stops it and deletes its log directory.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path logDir;
  private final int port;
  private final Properties config;
  private KafkaRaftServer server;

  private EmbeddedKafka(Path logDir, int port, Properties config, KafkaRaftServer server) {
    this.logDir = logDir;
    this.port = port;
    this.config = config;
    this.server = server;
  }

  /** Formats a fresh log directory under {@code parent} and starts a broker on free loopback ports. */
  public static EmbeddedKafka start(Path parent) {
    return start(parent, 0);
  }

  /**
   * Formats a fresh log directory under {@code parent} and starts a broker whose client listener is on {@code port}
   * (0 = a free port); the controller listener always takes a free port.
   */
  public static EmbeddedKafka start(Path parent, int port) {
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
    try {
      Files.createDirectories(parent);
      Path dir = Files.createTempDirectory(parent, "kafka-");
      if (port == 0) port = freePort();
      int controllerPort = freePort();
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
      p.put("controller.listener.names", "CONTROLLER");
      p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("log.dirs", dir.resolve("logs").toString());
      p.put("num.partitions", "1");
      p.put("offsets.topic.replication.factor", "1");
      p.put("offsets.topic.num.partitions", "4");
      p.put("transaction.state.log.replication.factor", "1");
      p.put("transaction.state.log.min.isr", "1");
      p.put("transaction.state.log.num.partitions", "4");
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("log.retention.ms", "-1");
      p.put("auto.create.topics.enable", "false");
      Path propsFile = dir.resolve("server.properties");
      try (var out = Files.newOutputStream(propsFile)) {
        p.store(out, "kaminari embedded broker");
      }
      ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
      int rc = StorageTool.execute(
          new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString()},
          new PrintStream(formatLog, true));
      if (rc != 0) {
        throw new IllegalStateException("kafka storage format failed (" + rc + "): " + formatLog);
      }
      return new EmbeddedKafka(dir, port, p, startServer(p));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
    }
  }

  private static KafkaRaftServer startServer(Properties p) {
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(p), Time.SYSTEM);
    server.startup();
    return server;
  }

  /**
   * Stops the broker and starts it again on the same log directory and ports, as a broker restart in production
   * would: committed data, offsets and transactions survive; clients see a few seconds of disconnection.
   */
  public synchronized void restart() {
    server.shutdown();
    server.awaitShutdown();
    server = startServer(config);
  }

  /** {@code 127.0.0.1:port} of the PLAINTEXT listener. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Creates the topics (idempotently) with the given partition count. */
  public void createTopics(int partitions, String... topics) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      List<NewTopic> list = Stream.of(topics).map(t -> new NewTopic(t, partitions, (short) 1)).toList();
      try {
        admin.createTopics(list).all().get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException(e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  @Override
  public synchronized void close() {
    server.shutdown();
    server.awaitShutdown();
    try (Stream<Path> files = Files.walk(logDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // The broker is down; a leftover temp directory is harmless and must not mask the caller's own outcome.
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}

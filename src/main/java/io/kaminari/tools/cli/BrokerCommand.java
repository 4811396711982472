package io.kaminari.tools.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import io.kaminari.cli.ConfigOptions;
import io.kaminari.cli.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kaminari broker}: a single-node KRaft Kafka broker for local runs (the Airflow DAGs' local mode, tests), with
 * the configured topics created; it prints {@code bootstrap.servers=HOST:PORT} once it accepts clients and runs until
 * SIGTERM or SIGINT, when it stops and deletes its log directory.
 */
@Command(name = "broker", description = "Run a local single-node Kafka broker (KRaft) with the configured topics until killed.")
public final class BrokerCommand implements Subcommand {
  @Mixin ConfigOptions options;

  @Option(names = "--port", defaultValue = "0", description = "client port on 127.0.0.1 (0 = a free one); default ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--partitions", defaultValue = "2", description = "partitions of each topic; default ${DEFAULT-VALUE}")
  int partitions;

  @Override
  public Integer call() throws InterruptedException {
    KaminariConfig config = options.load();
    if (partitions <= 0) throw new IllegalArgumentException("--partitions must be > 0");
    Path home = Path.of(config.get(Settings.HOME)).toAbsolutePath().normalize();
    CountDownLatch stopped = new CountDownLatch(1);
    EmbeddedKafka kafka = EmbeddedKafka.start(home.resolve("kafka"), port);
    // The hook only closes; main waits for it so that the JVM exits after the broker's log directory is gone.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        kafka.close();
      } finally {
        stopped.countDown();
      }
    }, "broker-shutdown"));
    kafka.createTopics(partitions, config.get(Settings.TOPICS).toArray(String[]::new));
    System.out.println("bootstrap.servers=" + kafka.bootstrapServers());
    System.out.println("topics=" + String.join(",", config.get(Settings.TOPICS)));
    System.out.flush();
    stopped.await();
    return 0;
  }
}

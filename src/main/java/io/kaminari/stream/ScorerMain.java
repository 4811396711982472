package io.kaminari.stream;

import static io.kaminari.common.ConfigSources.CONFIG_DOC;
import static io.kaminari.common.ConfigSources.CONFIG_OPTION;
import static io.kaminari.common.ConfigSources.HOME_DOC;
import static io.kaminari.common.ConfigSources.HOME_OPTION;
import static io.kaminari.common.ConfigSources.SET_DOC;
import static io.kaminari.common.ConfigSources.SET_OPTION;
import static io.kaminari.common.ConfigSources.SET_SHORT;

import io.kaminari.common.ConfigKey;
import io.kaminari.common.ConfigSources;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar kaminari-scorer.jar} and {@code kaminari scorer}: runs the streaming scorer until SIGTERM/SIGINT.
 * The flags are fixed (other tooling uses them); each one overrides a {@code scorer.*} / Kafka configuration key.
 */
@Command(name = "scorer", mixinStandardHelpOptions = true,
    description = "Score pmacct flows from Kafka per event-time window with the registry's autoencoder.")
public final class ScorerMain implements Callable<Integer> {
  // The configuration options of every kaminari command (cli.ConfigOptions), declared here as well because the
  // Spark-free scorer does not depend on the CLI package; their names and docs are ConfigSources' constants.
  @Option(names = CONFIG_OPTION, paramLabel = "FILE", description = CONFIG_DOC)
  Path configFile;

  @Option(names = HOME_OPTION, paramLabel = "DIR", description = HOME_DOC)
  String home;

  @Option(names = {SET_SHORT, SET_OPTION}, paramLabel = "KEY=VALUE", description = SET_DOC)
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Kafka bootstrap servers")
  String bootstrapServers;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "input topic of pmacct JSON flows")
  String topic;

  @Option(names = "--output-topic", paramLabel = "TOPIC", description = "topic of the scored windows")
  String outputTopic;

  @Option(names = "--model", paramLabel = "NAME@ALIAS", description = "model reference to follow (default flow-ae@champion)")
  String model;

  @Option(names = "--model-store", paramLabel = "URI", description = "model registry root (hdfs://, s3a://, file://)")
  String modelStore;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default 8088; 0 = any free port)")
  Integer httpPort;

  @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP bind address (default 127.0.0.1)")
  String httpHost;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command and returns its exit code. */
  public static int run(String... args) {
    return new CommandLine(new ScorerMain()).execute(args);
  }

  /** The effective configuration: the fixed flags over {@code --set} over the config file over defaults. */
  KaminariConfig config() {
    KaminariConfig c = new ConfigSources(configFile, home, overrides).load();
    c = with(c, Settings.BOOTSTRAP_SERVERS, bootstrapServers);
    c = with(c, Settings.TOPICS, topic);
    c = with(c, Settings.SCORER_OUTPUT_TOPIC, outputTopic);
    c = with(c, Settings.SCORER_MODEL, model);
    c = with(c, Settings.MODEL_STORE, modelStore);
    c = with(c, Settings.SCORER_HTTP_PORT, httpPort == null ? null : httpPort.toString());
    c = with(c, Settings.SCORER_HTTP_HOST, httpHost);
    return c;
  }

  private static KaminariConfig with(KaminariConfig c, ConfigKey<?> key, String value) {
    return value == null ? c : c.with(key, value);
  }

  @Override
  public Integer call() throws InterruptedException {
    Scorer scorer = Scorer.start(config());
    System.err.println("kaminari scorer: HTTP on port " + scorer.httpPort());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      scorer.close();
      stopped.countDown();
    }, "kaminari-scorer-shutdown"));
    stopped.await();
    return 0;
  }
}

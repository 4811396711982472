package io.kaminari.tools.cli;

import io.kaminari.common.Durations;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.FileFlowSink;
import io.kaminari.tools.generate.FlowSink;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.LabelWriter;
import io.kaminari.tools.generate.Scenarios;
import io.kaminari.tools.generate.TrafficGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import io.kaminari.cli.ConfigOptions;
import io.kaminari.cli.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kaminari generate}: deterministic pmacct JSON traffic with labelled attacks, to Kafka or to files. */
@Command(name = "generate", description = "Generate deterministic pmacct-JSON traffic with labelled attacks.")
public final class GenerateCommand implements Subcommand {
  @Mixin ConfigOptions options;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (same seed, same bytes); default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--start", defaultValue = "2024-05-01T00:00:00Z", description = "start, ISO-8601 UTC; default ${DEFAULT-VALUE}")
  Instant start;

  @Option(names = "--duration", defaultValue = "24h", description = "length of the period: 90s, 5m, 24h, 2d; default ${DEFAULT-VALUE}")
  String duration;

  @Option(names = "--flows", defaultValue = "1000000", description = "benign flow records over the period; default ${DEFAULT-VALUE}")
  long flows;

  @Option(names = "--hosts", defaultValue = "10000", description = "benign client hosts; default ${DEFAULT-VALUE}")
  int hosts;

  @Option(names = "--attack", paramLabel = "KIND,START,DURATION,VICTIM,RATE[,PORT]",
      description = "inject an attack, e.g. syn-flood,2024-05-01T10:00:00Z,10m,203.0.113.10,300 "
          + "(kinds: syn-flood, udp-reflection (PORT = reflector port, default 53), port-scan); repeatable")
  List<String> attacks = new ArrayList<>();

  @Option(names = "--demo-attacks", description = "the demo's attacks (day two of a period starting 2024-05-01)")
  boolean demoAttacks;

  @Option(names = "--markers", description = "bracket every purge with purge_init/purge_close markers")
  boolean markers;

  @Option(names = "--multi-values", defaultValue = "1", description = "JSON objects per message (kafka_multi_values); default ${DEFAULT-VALUE}")
  int multiValues;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(names = "--to-kafka", required = true, description = "produce to the configured Kafka topic")
    boolean kafka;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "write hourly JSON-lines files into DIR")
    Path dir;
  }

  @Option(names = "--gzip", description = "with --out: gzip the files")
  boolean gzip;

  @Option(names = "--labels", paramLabel = "FILE", description = "write the attack labels CSV here")
  Path labels;

  @Option(names = "--label-window", defaultValue = "5m", description = "window length of the labels; default ${DEFAULT-VALUE}")
  String labelWindow;

  @Override
  public Integer call() throws Exception {
    KaminariConfig config = options.load();
    List<AttackSpec> specs = new ArrayList<>(demoAttacks ? Scenarios.demoAttacks() : List.of());
    for (String a : attacks) specs.add(parseAttack(a));
    GeneratorConfig gen = GeneratorConfig.of(seed, start, Durations.parse(duration), flows)
        .withBenignHosts(hosts).withAttacks(specs).withMarkers(markers).withMultiValues(multiValues);
    Duration window = Durations.parse(labelWindow);
    GenerationResult result;
    try (FlowSink sink = target.kafka
        ? new KafkaFlowSink(config.get(Settings.BOOTSTRAP_SERVERS), config.get(Settings.TOPICS).get(0))
        : new FileFlowSink(target.dir, gzip)) {
      result = new TrafficGenerator(gen).run(sink);
    }
    System.out.printf("generated %d flows, %d attack flows, %d markers in %d messages, %s .. %s%n", result.flows(),
        result.attackFlows(), result.markers(), result.messages(), result.firstStart(), result.lastArrival());
    if (labels != null) {
      LabelWriter.write(labels, LabelWriter.labels(result, window));
      System.out.println("labels: " + labels);
    }
    return 0;
  }

  /** {@code KIND,START,DURATION,VICTIM,RATE[,PORT]} as an attack, or a message saying what is wrong. */
  static AttackSpec parseAttack(String s) {
    String[] p = s.split(",");
    if (p.length < 5 || p.length > 6) {
      throw new IllegalArgumentException("--attack '" + s + "' must be KIND,START,DURATION,VICTIM,RATE[,PORT]");
    }
    Instant at = Instant.parse(p[1].trim());
    Duration d = Durations.parse(p[2]);
    String victim = p[3].trim();
    double rate = Double.parseDouble(p[4].trim());
    return switch (p[0].trim()) {
      case "syn-flood" -> p.length == 6
          ? AttackSpec.synFlood(at, d, victim, rate).withPort(Integer.parseInt(p[5].trim()))
          : AttackSpec.synFlood(at, d, victim, rate);
      case "udp-reflection" -> AttackSpec.udpReflection(at, d, victim, p.length == 6 ? Integer.parseInt(p[5].trim()) : 53, rate);
      case "port-scan" -> AttackSpec.portScan(at, d, victim, rate);
      default -> throw new IllegalArgumentException("unknown attack kind '" + p[0] + "' (syn-flood, udp-reflection, port-scan)");
    };
  }
}

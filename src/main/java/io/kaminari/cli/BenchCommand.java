package io.kaminari.cli;

import io.kaminari.bench.CompactBench;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kaminari bench NAME}: runs one benchmark in a scratch home ({@code ${home}/bench}) and ends its output with
 * the line {@code BENCH NAME key=value ...} (a fixed format that other tooling parses).
 */
@Command(name = "bench", description = "Run a benchmark (compact); ends with one `BENCH NAME key=value ...` line.")
final class BenchCommand extends SparkCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "compact")
  String name;

  @Option(names = "--flows", defaultValue = "5000000", description = "flows to generate; default ${DEFAULT-VALUE}")
  long flows;

  @Override
  KaminariConfig configure(KaminariConfig config) {
    // A scratch home: the benchmarks drop and refill their tables, which must never be the real ones.
    return config.with(Settings.HOME, config.get(Settings.HOME) + "/bench")
        .with(Settings.WAREHOUSE, config.get(Settings.HOME) + "/bench/warehouse")
        .with(Settings.CHECKPOINTS, config.get(Settings.HOME) + "/bench/checkpoints");
  }

  @Override
  Task prepare(KaminariConfig config) {
    if (flows <= 0) throw new IllegalArgumentException("--flows must be > 0");
    return switch (name) {
      case CompactBench.NAME -> spark -> {
        CompactBench.run(spark, config, flows);
        return 0;
      };
      default -> throw new IllegalArgumentException("unknown benchmark '" + name + "' (known: compact)");
    };
  }
}

package io.kaminari.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kaminari config --dump}: prints the effective configuration, each key with its source and doc. */
@Command(name = "config", description = "Show the effective configuration.")
final class ConfigCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Option(names = "--dump", description = "print every key, its value, where it came from and what it does")
  boolean dump;

  @Override
  public Integer call() {
    String text = options.load().dump(); // loading validates, so a bad config fails even without --dump
    if (dump) System.out.print(text);
    else System.out.println("configuration is valid (use --dump to print it)");
    return 0;
  }
}

package io.kaminari.cli;

import io.kaminari.common.ConfigException;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The configuration options every subcommand takes: a config file, the home directory and key=value overrides. */
public final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (keys as in `kaminari config --dump`)")
  Path configFile;

  @Option(names = "--home", paramLabel = "DIR", description = "home directory of all local state (default ./var or $KAMINARI_HOME)")
  String home;

  @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE", description = "set any configuration key; beats the config file")
  Map<String, String> overrides = new LinkedHashMap<>();

  /** These options as command-line arguments, to hand the same configuration to a child process. */
  public java.util.List<String> asArgs() {
    java.util.List<String> args = new java.util.ArrayList<>();
    if (configFile != null) args.addAll(java.util.List.of("--config", configFile.toString()));
    if (home != null) args.addAll(java.util.List.of("--home", home));
    overrides.forEach((k, v) -> args.addAll(java.util.List.of("--set", k + "=" + v)));
    return args;
  }

  /** The effective configuration: these flags over the config file over the environment over defaults. */
  public KaminariConfig load() {
    if (configFile != null && !configFile.toFile().isFile()) {
      throw new ConfigException("config file " + configFile + " does not exist");
    }
    Map<String, String> flags = new LinkedHashMap<>(overrides);
    if (home != null) flags.put(Settings.HOME.name(), home);
    return KaminariConfig.load(configFile, flags, System.getenv());
  }
}

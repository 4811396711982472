package io.kaminari.cli;

import static io.kaminari.common.ConfigSources.CONFIG_DOC;
import static io.kaminari.common.ConfigSources.CONFIG_OPTION;
import static io.kaminari.common.ConfigSources.HOME_DOC;
import static io.kaminari.common.ConfigSources.HOME_OPTION;
import static io.kaminari.common.ConfigSources.SET_DOC;
import static io.kaminari.common.ConfigSources.SET_OPTION;
import static io.kaminari.common.ConfigSources.SET_SHORT;

import io.kaminari.common.ConfigSources;
import io.kaminari.common.KaminariConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The configuration options every subcommand takes, as picocli options over {@link ConfigSources}. */
public final class ConfigOptions {
  @Option(names = CONFIG_OPTION, paramLabel = "FILE", description = CONFIG_DOC)
  Path configFile;

  @Option(names = HOME_OPTION, paramLabel = "DIR", description = HOME_DOC)
  String home;

  @Option(names = {SET_SHORT, SET_OPTION}, paramLabel = "KEY=VALUE", description = SET_DOC)
  Map<String, String> overrides = new LinkedHashMap<>();

  ConfigSources sources() {
    return new ConfigSources(configFile, home, overrides);
  }

  /** These options as command-line arguments, to hand the same configuration to a child process. */
  public List<String> asArgs() {
    return sources().asArgs();
  }

  /** The effective configuration; see {@link ConfigSources#load()}. */
  public KaminariConfig load() {
    return sources().load();
  }
}

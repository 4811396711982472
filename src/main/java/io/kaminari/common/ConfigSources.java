package io.kaminari.common;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a command's configuration comes from: an optional YAML file, an optional home directory and key=value
 * overrides, as every Kaminari command line takes them ({@value #CONFIG_OPTION}, {@value #HOME_OPTION},
 * {@value #SET_OPTION}). Picocli-free, so the CLI and the Spark-free streaming scorer load configuration the same way.
 */
public record ConfigSources(Path configFile, String home, Map<String, String> overrides) {
  public static final String CONFIG_OPTION = "--config";
  public static final String CONFIG_DOC = "YAML config file (keys as in `kaminari config --dump`)";
  public static final String HOME_OPTION = "--home";
  public static final String HOME_DOC = "home directory of all local state (default ./var or $KAMINARI_HOME)";
  public static final String SET_OPTION = "--set";
  public static final String SET_SHORT = "-D";
  public static final String SET_DOC = "set any configuration key; beats the config file";

  public ConfigSources {
    overrides = overrides == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(overrides));
  }

  /** The effective configuration: the overrides and home over the config file over the environment over defaults. */
  public KaminariConfig load() {
    if (configFile != null && !configFile.toFile().isFile()) {
      throw new ConfigException("config file " + configFile + " does not exist");
    }
    Map<String, String> flags = new LinkedHashMap<>(overrides);
    if (home != null) flags.put(Settings.HOME.name(), home);
    return KaminariConfig.load(configFile, flags, System.getenv());
  }

  /** These sources as command-line arguments, to hand the same configuration to a child process. */
  public List<String> asArgs() {
    List<String> args = new ArrayList<>();
    if (configFile != null) args.addAll(List.of(CONFIG_OPTION, configFile.toString()));
    if (home != null) args.addAll(List.of(HOME_OPTION, home));
    overrides.forEach((k, v) -> args.addAll(List.of(SET_OPTION, k + "=" + v)));
    return args;
  }
}

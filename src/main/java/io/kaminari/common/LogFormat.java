package io.kaminari.common;

import java.util.List;
import java.util.Map;

/**
 * Chooses the format of the log lines, {@code text} or {@code json}, before the first one is written: the
 * {@value #OPTION} option, else the system property {@value #PROPERTY}, else the environment variable {@value #ENV},
 * else {@code text}.
 *
 * <p>{@code log4j2.properties} picks its appender by that name. An unknown name would make log4j drop every line
 * (with a status message nobody reads), so it is refused here, up front, by the programs' main methods.
 */
public final class LogFormat {
  private LogFormat() {}

  public static final String OPTION = "--log-format";
  public static final String PROPERTY = "kaminari.log.format";
  public static final String ENV = "KAMINARI_LOG_FORMAT";
  public static final List<String> FORMATS = List.of("text", "json");
  public static final String DOC = "log lines as `text` (default) or `json` (ECS: one object per line, ISO-8601 UTC"
      + " @timestamp); env " + ENV;

  /**
   * Sets {@value #PROPERTY} to the chosen format and returns it.
   *
   * @param args the program's arguments, scanned for {@code --log-format F} and {@code --log-format=F}
   * @throws ConfigException if the chosen format is not one of {@link #FORMATS}
   */
  public static String select(String[] args, Map<String, String> env) {
    String chosen = null;
    String from = OPTION;
    for (int i = 0; i < args.length && chosen == null; i++) {
      if (args[i].equals(OPTION) && i + 1 < args.length) chosen = args[i + 1];
      else if (args[i].startsWith(OPTION + "=")) chosen = args[i].substring(OPTION.length() + 1);
    }
    if (chosen == null && System.getProperty(PROPERTY) != null) {
      chosen = System.getProperty(PROPERTY);
      from = "-D" + PROPERTY;
    }
    if (chosen == null || chosen.isEmpty()) {
      chosen = env.get(ENV);
      from = ENV;
    }
    if (chosen == null || chosen.isEmpty()) chosen = FORMATS.get(0);
    if (!FORMATS.contains(chosen)) {
      throw new ConfigException(from + " must be one of " + FORMATS + ", not '" + chosen + "'");
    }
    System.setProperty(PROPERTY, chosen);
    return chosen;
  }
}

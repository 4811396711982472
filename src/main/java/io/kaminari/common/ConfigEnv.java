package io.kaminari.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The environment as a configuration source: every setting has one {@code KAMINARI_*} name, and the standard
 * {@code AWS_*} names set the s3a settings.
 *
 * <p>The names, deterministic both ways:
 *
 * <ul>
 *   <li>A declared key ({@link Settings}): {@code KAMINARI_} + the key upper-cased with every {@code .} and
 *       {@code -} turned into {@code _}: {@code scorer.http-port} is {@code KAMINARI_SCORER_HTTP_PORT}. Declared
 *       names are unique (KaminariConfigTest holds every key to it).
 *   <li>A pass-through key ({@code spark.*}, {@code kafka.*}): {@code .} becomes {@code _}, {@code -} becomes
 *       {@code __} and {@code _} becomes {@code ___} (the convention of Confluent's Kafka images), so that the name
 *       reads back to exactly one key: {@code KAMINARI_KAFKA_SASL_JAAS_CONFIG} is {@code kafka.sasl.jaas.config}.
 *       Only keys of lower-case letters and digits with single separators have a name: a camelCase key such as
 *       {@code spark.executor.extraJavaOptions} cannot be spelt in upper case, so it is set in the config file, a
 *       secrets-directory file (whose name is the key itself) or a flag. A declared key under these prefixes
 *       ({@code spark.master}, {@code kafka.bootstrap.servers}) has no dash, so both rules give it the same name.
 * </ul>
 *
 * <p>A {@code KAMINARI_*} variable that names no setting is an error, so a typo does not fall back to a default,
 * except the variables of {@link #NOT_SETTINGS}, which Kaminari's launchers, DAGs and test scripts read. An empty
 * variable counts as unset.
 */
public final class ConfigEnv {
  private ConfigEnv() {}

  public static final String PREFIX = "KAMINARI_";
  /**
   * The {@code KAMINARI_*} variables that are not settings, with who reads them: the DAGs' local-mode tasks pass
   * their own environment on to the CLI, so these reach it and must not be taken for typos.
   */
  public static final Map<String, String> NOT_SETTINGS = notSettings();
  /** The standard AWS variables and the s3a settings they set (Hadoop's s3a reads its credentials from these keys). */
  public static final Map<String, String> AWS = aws();

  private static final Pattern PASS_THROUGH_KEY = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*");
  private static final Pattern PASS_THROUGH_NAME = Pattern.compile("[A-Z0-9]+(_{1,3}[A-Z0-9]+)*");

  private static Map<String, String> notSettings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(KaminariConfig.SECRETS_DIR_ENV, "directory of secret settings, one file per key (KaminariConfig)");
    m.put("KAMINARI_LOG_FORMAT", "`json` for JSON log lines (log4j2.properties; the flag --log-format sets it too)");
    m.put("KAMINARI_MODE", "DAGs: local or kubernetes");
    m.put("KAMINARI_JAR", "DAGs, local mode: the kaminari.jar to run");
    m.put("KAMINARI_CONFIG", "DAGs, local mode: the config file handed to every command as --config");
    m.put("KAMINARI_JAVA_OPTS", "DAGs, local mode: JVM options of every command");
    m.put("KAMINARI_TASK_RETRIES", "DAGs: retries of every task");
    m.put("KAMINARI_FAILURE_WEBHOOK", "DAGs: URL the failure callback posts to");
    m.put("KAMINARI_K8S_DIR", "DAGs, kubernetes mode: the k8s/ directory of the SparkApplication templates");
    m.put("KAMINARI_NAMESPACE", "DAGs, kubernetes mode: the namespace");
    m.put("KAMINARI_JOBS_IMAGE", "DAGs, kubernetes mode: the jobs image");
    m.put("KAMINARI_K8S_CONN_ID", "DAGs, kubernetes mode: the Airflow connection");
    m.put("KAMINARI_HADOOP_CONF_MAP", "DAGs, kubernetes mode: the ConfigMap of the Hadoop configuration files");
    m.put("KAMINARI_KRB5_CONF_MAP", "DAGs, kubernetes mode: the ConfigMap holding krb5.conf");
    m.put("KAMINARI_KERBEROS_TOKEN_SECRET", "DAGs, kubernetes mode: SECRET:KEY of the Hadoop delegation tokens");
    m.put("KAMINARI_AIRFLOW_VENV", "dags/run_tests.sh: the Airflow virtualenv");
    m.put("KAMINARI_NOTEBOOK_VENV", "notebooks/run_tests.sh: the Jupyter virtualenv");
    m.put("KAMINARI_NB_REUSE", "notebooks/run_tests.sh: reuse the executed pipeline state");
    m.put("KAMINARI_BENCH_VENV", "src/bench/python/setup.sh: the PyTorch virtualenv");
    return Map.copyOf(m);
  }

  private static Map<String, String> aws() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("AWS_ACCESS_KEY_ID", "spark.hadoop.fs.s3a.access.key");
    m.put("AWS_SECRET_ACCESS_KEY", "spark.hadoop.fs.s3a.secret.key");
    m.put("AWS_SESSION_TOKEN", "spark.hadoop.fs.s3a.session.token");
    m.put("AWS_REGION", "spark.hadoop.fs.s3a.endpoint.region");
    m.put("AWS_ENDPOINT_URL", "spark.hadoop.fs.s3a.endpoint");
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The environment variable that sets {@code key}, or null if the key has none (see the class doc). */
  public static String name(String key) {
    if (Settings.find(key) != null) return PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_");
    if (!PASS_THROUGH_KEY.matcher(key).matches()) return null;
    StringBuilder sb = new StringBuilder(PREFIX);
    for (char c : key.toCharArray()) {
      sb.append(switch (c) {
        case '.' -> "_";
        case '-' -> "__";
        case '_' -> "___";
        default -> String.valueOf(Character.toUpperCase(c));
      });
    }
    return sb.toString();
  }

  /**
   * The key a {@code KAMINARI_*} variable sets, or null for the names of {@link #NOT_SETTINGS}.
   *
   * @throws ConfigException if the name sets no key
   */
  public static String key(String name) {
    if (!name.startsWith(PREFIX)) throw new IllegalArgumentException(name + " does not start with " + PREFIX);
    if (NOT_SETTINGS.containsKey(name)) return null;
    for (ConfigKey<?> k : Settings.all()) {
      if (name(k.name()).equals(name)) return k.name();
    }
    String rest = name.substring(PREFIX.length());
    if (PASS_THROUGH_NAME.matcher(rest).matches()) {
      String key = rest.toLowerCase(Locale.ROOT).replace("___", "\u0000").replace("__", "-").replace("_", ".")
          .replace('\u0000', '_');
      if (Settings.isPassThrough(key)) return key;
    }
    throw new ConfigException("environment variable " + name + " names no configuration key (`kaminari config"
        + " --dump` shows the variable of each key; pass-through keys spell . as _, - as __ and _ as ___)");
  }

  /** One setting taken from the environment. */
  record Setting(String key, String value, String variable) {}

  /**
   * The settings {@code env} makes, {@code AWS_*} first so that a {@code KAMINARI_*} variable of the same key wins.
   *
   * @throws ConfigException naming every {@code KAMINARI_*} variable that sets no key
   */
  static List<Setting> read(Map<String, String> env) {
    List<Setting> out = new ArrayList<>();
    AWS.forEach((variable, key) -> {
      String v = env.get(variable);
      if (v != null && !v.isEmpty()) out.add(new Setting(key, v, variable));
    });
    List<String> unknown = new ArrayList<>();
    new TreeMap<>(env).forEach((variable, v) -> {
      if (!variable.startsWith(PREFIX) || v == null || v.isEmpty()) return;
      try {
        String key = key(variable);
        if (key != null) out.add(new Setting(key, v, variable));
      } catch (ConfigException e) {
        unknown.add(variable);
      }
    });
    if (unknown.size() == 1) key(unknown.get(0)); // throws with the full message
    if (!unknown.isEmpty()) {
      throw new ConfigException("environment variables " + String.join(", ", unknown) + " name no configuration key"
          + " (`kaminari config --dump` shows the variable of each key; pass-through keys spell . as _, - as __ and"
          + " _ as ___)");
    }
    return out;
  }
}
